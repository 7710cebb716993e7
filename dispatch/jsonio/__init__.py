"""JSON formats: problems `concierge-dispatch/1` (`problem.py`), plans `concierge-plan/1` (`plan.py`), and
the path-naming reader both use (`reader.py`); see docs/dispatch-json.md."""

from dispatch.jsonio.plan import PLAN_SCHEMA, dump_plan, load_plan, parse_plan
from dispatch.jsonio.problem import FORMAT_KEY, PROBLEM_SCHEMA, dump_problem, load_matrix_file, load_problem, parse_problem
from dispatch.jsonio.reader import format_seconds, parse_seconds, parse_time, read_json

__all__ = [
    "FORMAT_KEY",
    "PLAN_SCHEMA",
    "PROBLEM_SCHEMA",
    "dump_plan",
    "dump_problem",
    "format_seconds",
    "load_matrix_file",
    "load_plan",
    "load_problem",
    "parse_plan",
    "parse_problem",
    "parse_seconds",
    "parse_time",
    "read_json",
]
