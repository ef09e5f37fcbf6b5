"""askless interview: the terminal flow (analyzer.interview) driven through the CLI with typed input.

Each interview's decision is compared with the exact interpreter (Evaluation) on the answers it
collected; the parser of typed answers is tested on its own (Danish numbers and dates).
"""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from analyzer.evaluate import Evaluation
from analyzer.flow import AnswerError, Flow
from analyzer.interview import Interview, format_number, parse, parse_date, parse_number
from analyzer.load import load_paths
from cli import main
from tests.conftest import RULES

AFFALD = str(RULES / "ekstra_affald.yaml")

SMALL = textwrap.dedent("""\
    process: tilskud
    title: {da: Tilskud, en: Grant}
    law: {id: "LBK 1"}
    constants:
      graense: {value: 200000, unit: DKK, valid_from: 2026-01-01, source: test}
      skaering: {value: 2026-01-01, valid_from: 2026-01-01, source: test}
    facts:
      antal_voksne:
        type: int
        register: CPR
        register_field: household at the address
        ask: {da: Hvor mange voksne bor i boligen?, en: How many adults live in the home?}
        min: 1
        max: 3
        distribution: {1: 0.5, 2: 0.5}
      lejer: {type: bool, ask: {da: Bor du til leje?, en: Do you rent?}, law: "§ 1", p_true: 0.5}
      indflytning: {type: date, ask: {da: Hvornår flyttede du ind?, en: When did you move in?}, applies_if: lejer,
                    law: "§ 3"}
    groups:
      voksne:
        title: {da: Voksne, en: Adults}
        count: antal_voksne
        facts:
          indkomst: {type: money, ask: {da: Hvad tjener personen om året?, en: What does the person earn a year?},
                     unit: DKK, min: 0, law: "§ 2", prior: [{upto: 100000, p: 0.5}, {p: 0.5}]}
    outcomes:
      ret:
        title: {da: Ret til tilskud, en: Entitled}
        when: lejer and sum(voksne, indkomst) < graense and indflytning < skaering
        law: "§ 1"
      beloeb:
        title: {da: Beløb, en: Amount}
        unit: DKK
        applies_if: ret
        value: graense - sum(voksne, indkomst)
        law: "§ 2"
    """)


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "tilskud.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return str(path)


def interview(runner, path: str, typed: list[str], *options: str):
    result = runner.invoke(main, ["interview", path, *options], input="".join(line + "\n" for line in typed))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


def process_of(path: str):
    return load_paths([path]).processes[0]


# -- whole interviews -------------------------------------------------------------------------


def test_a_full_interview_reaches_the_decision_of_the_interpreter(runner):
    # greedy order on ekstra_affald: valg, then adresse_i_kommunen, then antal_saekke
    result = interview(runner, AFFALD, ["1", "ja", "2"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "1. Hvad har du brug for?" in out and "   1  Ekstra-sække til en gang imellem [ekstra_saek]" in out
    assert "2. Ligger boligen i Vordingborg Kommune? (ja/nej)" in out
    assert "3. Hvor mange ekstra-sække vil du købe? (1 to 20)" in out
    expected = Evaluation(process_of(AFFALD), {"valg": "ekstra_saek", "adresse_i_kommunen": True, "antal_saekke": 2,
                                               "ejer": None, "boligtype": None}).outcomes()
    assert expected["handling"] == "koeb_ekstra_saek" and expected["engangsbeloeb"] == 80
    assert "  handling (Hvad du skal gøre): koeb_ekstra_saek\n" in out
    assert "  engangsbeloeb (Pris for ekstra-sække): 80 DKK\n" in out
    assert "  aendring_aarligt_gebyr (Ændring i det årlige affaldsgebyr): not decided\n" in out
    assert "  husk (Husk): saek_maks_vaegt, saek_ved_beholderen\n" in out
    assert out.rstrip().endswith("3 questions asked; the static form has 8")


def test_every_answer_path_of_the_interview_matches_the_interpreter():
    process = process_of(AFFALD)
    from analyzer import population

    for mode in ("anonymous", "logged_in"):
        flow = Flow(process, mode)
        for case in population.generate(process, 40, seed=7):
            session = Interview(process, mode, "en", flow=flow)
            pending: list = []
            original = session.next

            def step(original=original, pending=pending):
                s = original()
                pending[:] = [s]
                return s

            session.next = step

            def ask(_prompt: str, case=case, pending=pending) -> str:
                fact = pending[0].fact
                value = case.get(fact if isinstance(fact, str) else fact.key)
                if value is None:
                    return "-"
                if isinstance(value, bool):
                    return "yes" if value else "no"
                return str(value)

            result = session.run(ask, lambda _line: None)
            assert result.decision is not None
            assert result.decision.outcomes == Evaluation(process, case).outcomes(), (mode, case)
            assert result.static == len(process.questions(mode))
            assert result.asked == sum(1 for e in result.entries if not e.register)


def test_a_bad_answer_is_asked_again_with_its_message(runner):
    result = interview(runner, AFFALD, ["måske", "9", "1", "ja", "2,5", "21", "2"])
    out = result.output
    assert result.exit_code == 0
    assert ("valg: 'måske' is not one of ekstra_saek, ekstra_beholder, ugetoemning, toemning_14_dage; "
            "or type its number, 1 to 4") in out
    assert "valg: '9' is not one of" in out
    assert "antal_saekke: 2.5 is not a whole number" in out
    assert "antal_saekke: 21 is above the largest allowed answer, 20" in out
    assert out.count("3. Hvor mange ekstra-sække") == 1  # re-asked by its prompt, not repeated
    assert "engangsbeloeb (Pris for ekstra-sække): 80 DKK" in out


def test_a_question_mark_shows_why_the_question_is_asked(runner):
    result = interview(runner, AFFALD, ["?", "1", "?", "ja", "1"], "--language", "en")
    out = result.output
    assert "1. What do you need?" in out
    assert ("  Why: the answer can change handling (What you must do), kan_selv_bestille (You can buy or order it "
            "yourself)") in out
    assert "  Law: Regulativ, gyldighedsområde" in out
    assert "  Help: " not in out.split("2. Is the home")[0]  # valg has no help text
    assert "engangsbeloeb (Price of the extra bags): 40 DKK" in out


def test_back_changes_an_earlier_answer_and_the_decision(runner):
    result = interview(runner, AFFALD, ["1", "ja", "back", "back", "3", "ja", "enfamiliehus", "ja"])
    out = result.output
    assert result.exit_code == 0, out
    assert "  Back to adresse_i_kommunen (was ja)." in out
    assert "  Back to valg (was ekstra_saek)." in out
    assert "   (earlier answer: ekstra_saek)" in out
    process = process_of(AFFALD)
    answers = {"valg": "ugetoemning", "adresse_i_kommunen": True, "ejer": True, "boligtype": "enfamiliehus"}
    expected = Evaluation(process, answers).outcomes()
    assert expected["handling"] == "bestil_hos_kommunen"
    assert "  handling (Hvad du skal gøre): bestil_hos_kommunen\n" in out
    assert "  aendring_aarligt_gebyr (Ændring i det årlige affaldsgebyr): 1.250 DKK/år\n" in out
    assert "koeb_ekstra_saek" not in out.split("Decision:")[1]
    assert "4 questions asked; the static form has 8" in out


def test_back_at_the_first_question_says_so(runner):
    result = interview(runner, AFFALD, ["<", "quit"])
    assert "Nothing to go back to" in result.output and result.exit_code == 0


@pytest.mark.parametrize("typed", [["1", "quit"], ["1"], ["QUIT"]])
def test_quit_or_the_end_of_input_stops_cleanly(runner, typed):
    result = interview(runner, AFFALD, typed)
    assert result.exit_code == 0
    assert "no decision." in result.output and "Decision:" not in result.output
    assert "Traceback" not in result.output and "internal error" not in result.output


def test_group_members_are_named_and_counted_in_the_static_form(runner, small):
    result = interview(runner, small, ["ja", "01-12-2025", "2", "100.000", "50.000,5"], "--language", "en")
    out = result.output
    assert result.exit_code == 0, out
    assert "4. Person 1 (Adults): What does the person earn a year? (DKK, at least 0)" in out
    assert "5. Person 2 (Adults): What does the person earn a year? (DKK, at least 0)" in out
    case = {"lejer": True, "indflytning": "2025-12-01", "antal_voksne": 2,
            "voksne": [{"indkomst": 100000}, {"indkomst": 50000.5}]}
    expected = Evaluation(process_of(small), case).outcomes()
    assert expected == {"ret": True, "beloeb": 49999.5}
    assert "  ret (Entitled): yes\n  beloeb (Amount): 49.999,5 DKK\n" in out
    # static form: antal_voksne, lejer, indflytning, and indkomst for each of the 2 members
    assert "5 questions asked; the static form has 5" in out


def test_dates_are_checked_and_read_in_both_orders(runner, small):
    result = interview(runner, small, ["ja", "1.2025", "31-02-2025", "2026-03-01"])
    out = result.output
    assert "indflytning: '1.2025' is not a date; write it as YYYY-MM-DD or DD-MM-YYYY" in out
    assert "indflytning: '31-02-2025' is not a date: day is out of range for month" in out
    # moved in after the cut-off date: no grant whatever the incomes
    assert "  ret (Ret til tilskud): nej\n" in out
    assert "2 questions asked; the static form has 3 (without the members of voksne" in out


def test_logged_in_asks_register_facts_first_and_does_not_count_them(runner, small):
    result = interview(runner, small, ["2", "nej"], "--mode", "logged_in")
    out = result.output
    assert out.index("From the register (CPR, household at the address): Hvor mange voksne") < out.index(
        "1. Bor du til leje?")
    assert "1 question asked; the static form has 4" in out  # lejer, indflytning, 2 x indkomst
    assert "(1 register fact given, not counted as questions)" in out


def test_logged_in_takes_register_facts_from_a_prefill_file(runner, tmp_path):
    prefill = tmp_path / "register.yaml"
    prefill.write_text("adresse_i_kommunen: true\nejer: false\nboligtype: etagebolig\n", encoding="utf-8")
    result = interview(runner, AFFALD, ["3", "ja"], "--mode", "logged_in", "--prefill", str(prefill))
    out = result.output
    assert result.exit_code == 0, out
    assert "3 register facts prefilled: adresse_i_kommunen, ejer, boligtype." in out
    assert "From the register" not in out
    expected = Evaluation(process_of(AFFALD), {"adresse_i_kommunen": True, "ejer": False, "boligtype": "etagebolig",
                                               "valg": "ugetoemning", "faelles_beholdere": True}).outcomes()
    assert f"  handling (Hvad du skal gøre): {expected['handling']}\n" in out
    assert "2 questions asked; the static form has 5" in out


@pytest.mark.parametrize(("content", "message"), [
    ("valg: ekstra_saek\n", "valg: not a register fact of ekstra_affald"),
    ("ejer: maybe\n", "ejer: 'maybe' is not yes or no"),
    ("- 1\n", "the prefill must be a mapping"),
])
def test_a_bad_prefill_file_is_an_input_error(runner, tmp_path, content, message):
    prefill = tmp_path / "register.yaml"
    prefill.write_text(content, encoding="utf-8")
    result = runner.invoke(main, ["interview", AFFALD, "--mode", "logged_in", "--prefill", str(prefill)])
    assert result.exit_code == 2
    assert message in result.output


def test_prefill_needs_logged_in_mode(runner, tmp_path):
    prefill = tmp_path / "register.yaml"
    prefill.write_text("ejer: true\n", encoding="utf-8")
    result = runner.invoke(main, ["interview", AFFALD, "--prefill", str(prefill)])
    assert result.exit_code == 2 and "only in logged_in mode" in result.output


def test_an_invalid_rule_file_is_an_input_error(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("process: x\n", encoding="utf-8")
    result = runner.invoke(main, ["interview", str(bad)])
    assert result.exit_code == 2 and "askless interview: give one valid rule file" in result.output


# -- the parser of typed answers --------------------------------------------------------------


@pytest.mark.parametrize(("typed", "value"), [
    ("171.500", 171500), ("171 500", 171500), ("1.250.000", 1250000), ("12,5", 12.5), ("0,25", 0.25),
    ("12,0", 12), ("-3", -3), ("1.250,75", 1250.75), ("40 kr.", 40), ("1.000 DKK", 1000), ("7", 7),
    ("\u2212 4".replace(" ", ""), -4), ("171\u00a0500", 171500),
])
def test_danish_numbers_are_read(typed, value):
    got = parse_number(typed)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize(("typed", "message"), [
    ("12.5", "write decimals with a comma (12,5)"),
    ("1.50", "write decimals with a comma (1,50)"),
    ("1.5000", "write decimals with a comma"),
    ("12,5,3", "is not a number"),
    ("tolv", "is not a number"),
    ("1.50", "write decimals with a comma (1,50)"),
])
def test_malformed_numbers_are_refused_with_a_hint(typed, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_number(typed)


def test_numbers_are_shown_as_they_are_read():
    for value in (0, 7, 1250, 171500, -1250, 12.5, 1250.75, 49999.5):
        assert parse_number(format_number(value)) == value


@pytest.mark.parametrize(("typed", "value"), [
    ("2026-12-24", dt.date(2026, 12, 24)), ("24-12-2026", dt.date(2026, 12, 24)), ("24.12.2026", dt.date(2026, 12, 24)),
    ("1/2/2026", dt.date(2026, 2, 1)), ("2026-2-1", dt.date(2026, 2, 1)),
])
def test_dates_are_read_in_both_orders(typed, value):
    assert parse_date(typed) == value


@pytest.mark.parametrize("typed", ["24-12-26", "2026/12/24", "31-02-2026", "i morgen", "2026-13-01"])
def test_malformed_dates_are_refused(typed):
    with pytest.raises(ValueError, match="is not a date"):
        parse_date(typed)


def test_answers_are_parsed_per_question_type(small):
    flow = Flow(process_of(small), "anonymous")
    for typed, value in [("ja", True), ("J", True), ("yes", True), ("y", True), ("TRUE", True),
                         ("nej", False), ("n", False), ("no", False), ("false", False)]:
        assert parse(flow, "lejer", typed) is value
    assert parse(flow, "antal_voksne", " 2 ") == 2
    assert parse(flow, "voksne.indkomst", "171.500") == 171500
    assert parse(flow, "voksne.indkomst", "12,5") == 12.5
    assert parse(flow, "indflytning", "01-12-2025") == dt.date(2025, 12, 1)
    with pytest.raises(AnswerError, match="lejer: 'måske' is not yes or no"):
        parse(flow, "lejer", "måske")
    with pytest.raises(AnswerError, match="voksne.indkomst: -5 is below the smallest allowed answer, 0"):
        parse(flow, "voksne.indkomst", "-5")
    with pytest.raises(AnswerError, match="no answer"):
        parse(flow, "lejer", "  ")


def test_choices_are_read_by_value_number_or_label():
    flow = Flow(process_of(AFFALD), "anonymous")
    assert parse(flow, "boligtype", "etagebolig") == "etagebolig"
    assert parse(flow, "boligtype", "3") == "etagebolig"
    assert parse(flow, "boligtype", "lejlighed i etagebyggeri") == "etagebolig"
    assert parse(flow, "boligtype", "Flat in a block") == "etagebolig"
    assert parse(flow, "boligtype", "ETAGEBOLIG") == "etagebolig"
    with pytest.raises(AnswerError, match="did you mean 'etagebolig'"):
        parse(flow, "boligtype", "etagebollig")
    with pytest.raises(AnswerError, match="or type its number, 1 to 4"):
        parse(flow, "boligtype", "5")
