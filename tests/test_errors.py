from boombust.errors import InputError, Issue


def test_issue_formats_path_line_field() -> None:
    issue = Issue("must be >= 0; fix the amount", path="d.yaml", line=12, field="holdings.amount")
    assert str(issue) == "d.yaml:12: holdings.amount: must be >= 0; fix the amount"


def test_input_error_joins_issues_one_per_line() -> None:
    err = InputError([Issue("a", path="x", line=1), Issue("b", path="x", line=2)])
    assert str(err).splitlines() == ["x:1: a", "x:2: b"]
    assert err.exit_code == 3
