"""The exams' business rules, one module per area (views, the API and the admin call them):

- ``bank``: the question bank, its XLSX import and export;
- ``attempts``: starting, answering, submitting and auto-grading an attempt;
- ``grading``: the lecturers' grading queue (rubrics);
- ``certificates``: the completion rule, issuing, revoking, reissuing, recertification and
  reminders.

``check_*`` functions authorise and validate (raising ``ValidationError`` or ``Http404``);
``do_*`` functions change rows in one transaction and write the audit row.
"""
