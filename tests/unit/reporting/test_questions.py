"""Report questions: definitions checked before publishing, answers read from a posted form (a count of 0 and
“no” are answers; what cannot be read gets a message), required questions without an answer listed."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from grants.reporting import questions
from grants.reporting.builtin import TEMPLATES


def test_the_built_in_templates_are_valid_definitions():
    for template in TEMPLATES.values():
        assert questions.validate(template.questions) == {}


def test_a_definition_with_bad_ids_missing_labels_or_stray_options_is_refused():
    errors = questions.validate([
        {"id": "Bad Id", "type": "count", "label": {"pl": "A", "en": "A"}},
        {"id": "area", "type": "table", "label": {"pl": "B", "en": ""},
         "options": [{"id": "x", "label": {"pl": "X", "en": "X"}}, {"id": "x", "label": {"pl": "Y", "en": "Y"}}],
         "columns": []},
        {"id": "sessions", "type": "count", "label": {"pl": "C", "en": "C"}, "options": ["a", "b"]},
    ])
    assert set(errors) == {"questions.0.id", "questions.1.label", "questions.1.options", "questions.1.columns",
                           "questions.2.options"}


def _read(app, form: dict, template: str = "ccwbe"):
    with app.test_request_context():
        return questions.read(questions.definition(TEMPLATES[template].questions), MultiDict(form))


def test_answers_are_read_with_zero_and_no_as_answers(app):
    answers, errors = _read(app, {"q.group_workshops": "0", "q.collaboration": "no", "q.jobs_created": "0",
                                  "q.hours_by_stage.conversions.hours": "2,25",
                                  "q.gender.unknown.participants": "3", "q.working_group_usefulness": "5",
                                  "q.assistance_kinds": "unknown"})
    assert errors == {}
    assert answers["group_workshops"] == 0 and answers["jobs_created"] == 0
    assert answers["collaboration"] == {"answer": False, "details": ""}
    assert answers["hours_by_stage"] == {"conversions": {"hours": "2.25"}}
    assert answers["gender"] == {"unknown": {"participants": 3}} and answers["working_group_usefulness"] == 5
    assert answers["assistance_kinds"] == ["unknown"]


def test_unreadable_answers_get_a_message_each(app):
    _answers, errors = _read(app, {"q.one_on_one_sessions": "-1", "q.hours_by_stage.existing.hours": "1.234",
                                   "q.new_partnerships": "yes", "q.media.links": "javascript:alert(1)",
                                   "q.assistance_kinds": ["unknown", "legal"],
                                   "q.organisations.0.name": "X", "q.organisations.0.kind": "cooperative"})
    assert {key for key in errors if "." not in key} == {"one_on_one_sessions", "hours_by_stage", "new_partnerships",
                                                         "media", "assistance_kinds"}
    assert errors["hours_by_stage.existing.hours"] is True  # the cell to mark
    assert str(errors["hours_by_stage"]).startswith("Istniejące spółdzielnie")  # the row named (default: Polish)


def test_required_questions_without_answers_are_missing_and_a_file_answers_a_media_question(app):
    definition = questions.definition(TEMPLATES["owes"].questions)
    definition[-1]["required"] = True
    answers, _errors = _read(app, {"q.jobs_maintained": "0"}, "owes")
    assert questions.missing(definition, answers) == ["summary", "jobs_created", "advisory_hours", "media"]
    assert "media" not in questions.missing(definition, answers, {"media": 1})
