"""Shared fixtures. Browser tests run Debian's /usr/bin/chromium through pytest-playwright
(never `playwright install`); without it they are skipped."""

from __future__ import annotations

import os
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}")
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync"]}


# `make check` runs every test but the slow ones, in under a minute on 2 cores; `make test` runs
# them all. A test is slow when it takes seconds: these (timed with `pytest --durations=0` on a
# shared, busy machine, load ~8 on 2 cores), every browser test (chromium starts for each) and
# every test marked `@pytest.mark.slow` where it is written.
SLOW = {
    "tests/test_teach_mistakes.py::test_each_mistake_planted_alone_is_found": "117 s",
    "tests/test_teach_mistakes.py::test_rounding_too_early_is_found_from_the_final_answers": "8 s",
    "tests/test_docs.py::test_console_examples": "every page's 150 commands, 18 s",
    "tests/test_docs.py::test_python_examples[docs/scaling.md": "7 s",
    "tests/test_terminal_width.py::test_piped_output_is_80_columns": "9 s",
    "tests/test_robust.py::test_too_big_to_read_names_the_alternatives": "9 s",
    "tests/test_robust.py::test_wide_networks_load_and_solve_in_linear_time": "3 s",
    "tests/test_robust.py::test_an_ascii_only_terminal": "2 s",
    "tests/test_web_api.py::test_diagram_landscape_and_toml_come_from_the_library": "5 s",
    "tests/test_web_api.py::test_chainrule_serve_serves_until_interrupted": "4 s",
    "tests/test_fuzz.py::test_fuzz_short_run": "4 s",
    "tests/test_notebook.py::test_the_handout_notebook_runs": "4 s",
    "tests/test_diff.py::test_random_expressions_match_sympy": "3 s",
    "tests/test_cli_startup.py::test_solving_exercise_2_needs_no_numpy_or_sympy_in_any_format":
        "3 s",
    "tests/test_teach_safety.py::test_a_hostile_formula_answer_is_marked_wrong_within_the_budget":
        "3 s",
    "tests/test_presentation.py::test_the_cli_writes_what_the_library_renders": "3 s",
    "tests/test_cli.py::test_piping_into_head_exits_0": "2 s each",
    "tests/test_cli.py::test_the_installed_script": "2 s",
    "tests/test_scaling.py::test_the_scaling_example_trains_with_ddp_on_cpu": "3 s",
    "tests/test_data.py::test_bundled_sets_need_no_download": "2 s",
    "tests/test_atomic.py::test_pictures_get_the_umasks_mode": "2 s",
    "tests/test_web_schema.py::test_the_api_keeps_to_its_schema": "2 s",
    "tests/test_rounded.py::test_no_false_differs_in_the_closed_forms": "2 s",
    "tests/test_docs.py::test_python_examples": "they read what the console examples wrote",
    "tests/test_teach_mistakes.py::test_a_correct_sheet_rounded_to_the_asked_decimals_is_never_wrong":
        "19 s",
    "tests/test_trainer.py::test_one_epoch_equals_pytorch_sgd_on_random_networks": "6 s (torch)",
    "tests/test_gradients.py::test_gradients_and_update_match_pytorch_float64": "4 s (torch)",
    "tests/test_teach_generate.py::test_the_html_sheet_and_the_class_key_print_whole": "4 s",
    "tests/test_data.py::test_split_and_standardize": "3 s",
    "tests/test_diagram.py::test_no_labels_overlap_on_random_dags_with_skips": "2 s each",
    "tests/test_diagram.py::test_weight_labels_meet_no_other_edge_and_no_other_label":
        "2-4 s each",
    "tests/test_diff_safety.py::test_any_text_gives_a_result_or_one_line": "2 s",
    "tests/test_teach_mistakes.py::test_working_by_hand_from_rounded_numbers_is_never_wrong":
        "11 s",
    "tests/test_trainer.py::test_one_epoch_of_an_mlp_equals_pytorch_sgd": "5 s (torch)",
    "tests/test_gradients.py::test_the_oracle_is_not_vacuous": "3 s (torch)",
    "tests/test_train_cli.py::test_train_iris_saves_toml_and_npz_that_load_back": "5 s",
    "tests/test_teach_followon.py::test_every_follows_line_works_out_to_what_it_credits[2-2-2 "
    "sigmoid batch]": "3 s",
}
BROWSER_FIXTURES = frozenset({"page", "context", "browser", "browser_type", "chromium_browser"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    used: set[str] = set()
    for item in items:
        browser = not BROWSER_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))
        prefixes = [prefix for prefix in SLOW if item.nodeid.startswith(prefix)]
        used.update(prefixes)
        if browser or prefixes:
            item.add_marker(pytest.mark.slow)
    files = {item.nodeid.split("::")[0] for item in items}
    stale = [p for p in SLOW if p not in used and p.split("::")[0] in files]
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if stale and reporter is not None:  # a renamed test would leave the quick loop slow again
        reporter.write_line(
            f"tests/conftest.py: SLOW names tests that do not exist: {', '.join(stale)}",
            yellow=True,
        )
