from portal_app.core.services import formatting


def test_format_count_marks_a_count_that_stopped_at_its_limit():
    assert formatting.format_count(1234, "nl") == "1.234"
    assert formatting.format_count(1000, "nl", more=True) == "1.000+"
    assert formatting.format_count(1000, "en", more=True) == "1,000+"
