"""Which tests prove what the reliability and security promises say (docs/reliability.md).

Each name is ``file::test function``; a parametrised test counts once per case. ``conftest.py``
marks the collected tests from these lists, so the figures in docs/reliability.md are counted by
pytest itself, not by hand:

    pytest -m hostile --collect-only -q -p no:xdist | grep -c ::     # kinds of bad input refused
    pytest -m kill --collect-only -q -p no:xdist | grep -c ::        # kill points survived
    pytest -m leakcheck --collect-only -q -p no:xdist | grep -c ::   # tests that look for personal data

``tests/test_attack_register.py`` checks that every name here is a test, and that the item table of
docs/reliability.md names the same tests.
"""

from __future__ import annotations

# The findings of the attack run (issue 15), each with the tests that fail without its fix.
ISSUE_15: dict[str, list[str]] = {
    "1 one letter per applicant (ids K/1, K_1, K:1)": [
        "test_security.py::test_file_stems_of_ids_differing_in_unsafe_characters_differ",
        "test_security.py::test_unique_stems_refuses_ids_one_file_system_folds_together",
        "test_security.py::test_decide_writes_each_applicant_its_own_letter",
        "test_security.py::test_propose_writes_each_applicant_its_own_supplement_request",
        "test_security.py::test_decide_refuses_ids_whose_letters_one_file_system_would_fold_together",
    ],
    "2 restore only what this program wrote": [
        "test_security.py::test_restore_refuses_a_file_this_program_did_not_write",
        "test_security.py::test_restore_refuses_a_file_that_is_not_sqlite",
        "test_security.py::test_restore_of_a_good_backup_copies_its_rows_into_the_programs_own_schema",
        "test_safety.py::test_restore_refuses_bad_files_and_changes_nothing",
    ],
    "3 purge finds personal data under unknown headers and in written files": [
        "test_security.py::test_personal_data_under_unknown_headers_is_reported_and_purged",
        "test_security.py::test_letters_and_mailing_lists_are_listed_by_privacy_and_removed_by_purge_files",
        "test_safety.py::test_unknown_personal_looking_columns_are_personal_data",
    ],
    "4 a tiny file claiming a huge sheet": [
        "test_security.py::test_a_tiny_file_claiming_a_huge_sheet_is_refused_with_one_line",
        "test_security.py::test_an_ordinary_wide_export_is_not_refused",
    ],
    "5 linear personal-data scrub": [
        "test_security.py::test_scrub_patterns_start_only_where_a_run_starts",
        "test_security.py::test_scrub_at_and_beyond_the_cap",
    ],
    "6 readers read during a write; a waiting writer names the holder": [
        "test_safety.py::test_readers_and_backup_read_while_another_command_writes",
        "test_safety.py::test_reader_locked_out_says_another_command_writes",
        "test_faults.py::test_second_writer_waits_then_stops_with_a_finnish_message",
        "test_faults.py::test_a_killed_lock_holder_is_not_named_and_its_entry_is_replaced",
    ],
    "7 a damaged database is never backed up and is named": [
        "test_safety.py::test_a_damaged_database_is_named_and_the_latest_backup_offered",
        "test_safety.py::test_a_database_with_many_damaged_pages_is_named_in_one_line",
    ],
    "8 propose stages its documents and commits last": [
        "test_officer_acts.py::test_a_failing_document_in_propose_changes_neither_the_database_nor_the_folder",
        "test_propose.py::test_a_run_stopped_after_the_commit_is_not_taken_for_the_officers_edits",
        "test_faults.py::test_propose_killed_while_writing_its_documents_is_finished_by_the_rerun",
    ],
    "9 templates cannot read other files or run without end": [
        "test_render.py::test_officer_template_linked_outside_its_folder_is_refused",
        "test_render.py::test_template_asking_too_much_is_refused",
        "test_render.py::test_docx_template_asking_too_much_is_refused",
        "test_render.py::test_template_running_too_long_is_stopped_with_its_name",
    ],
    "10 decide refuses a proposal older than a changed application": [
        "test_decide.py::test_decide_refuses_a_proposal_whose_application_changed_since",
    ],
    "minor: full disk": [
        "test_safety.py::test_a_read_only_or_full_database_is_a_finnish_line",
        "test_safety.py::test_a_disk_that_fills_up_mid_command_is_a_finnish_line",
    ],
    "minor: read-only database file": [
        "test_safety.py::test_a_database_sqlite_cannot_open_is_not_called_damaged",
    ],
    "minor: huge retention_years, report_months, supplement_days, partnership_max_years; step = \"1e30\"": [
        "test_import.py::test_settings_too_large_refused_in_finnish",
    ],
    "minor: decide --date 9999-12-31": [
        "test_decide.py::test_decide_on_a_date_out_of_the_calendar_is_refused_in_finnish",
    ],
    "minor: a recursive template macro": [
        "test_render.py::test_template_asking_too_much_is_refused",
    ],
    "minor: control characters in the sheet XML hiding formula warnings": [
        "test_security.py::test_control_characters_in_the_sheet_xml_do_not_hide_formula_warnings",
    ],
    "minor: UTF-16 or ISO-8859-1 sheets": [
        "test_security.py::test_a_sheet_in_another_character_set_is_refused_with_one_line_naming_it",
    ],
    "minor: a large file refused at its first bad row, not after a scan": [
        "test_xlsx_stream.py::test_a_large_file_is_refused_at_the_first_bad_row_not_after_reading_it_all",
    ],
    "minor: no visible apostrophe in public documents": [
        "test_propose.py::test_formula_like_text_has_no_visible_apostrophe_in_documents",
        "test_propose.py::test_formula_like_text_is_text_in_spreadsheets",
    ],
    "minor: U+009B and U+202E kept from the terminal and --json": [
        "test_security.py::test_c1_controls_and_bidi_overrides_never_reach_the_terminal_or_json",
    ],
    "minor: a .tmp left after a kill during decide": [
        "test_files.py::test_a_killed_runs_leftovers_are_removed_by_the_next_write_and_nothing_else",
        "test_faults.py::test_decide_killed_while_writing_its_letters_is_finished_by_the_rerun",
    ],
}

# Bad or hostile input refused with one Finnish line and nothing changed (one kind per test case).
HOSTILE: list[str] = [
    "test_fuzz_import.py::test_corpus_file",
    "test_import.py::test_zip_bomb_refused",
    "test_import.py::test_password_protected_refused",
    "test_import.py::test_duplicate_id_refused_whole",
    "test_import.py::test_missing_id_column_refused",
    "test_import.py::test_row_without_id_refused",
    "test_import.py::test_settings_too_large_refused_in_finnish",
    "test_security.py::test_unique_stems_refuses_ids_one_file_system_folds_together",
    "test_security.py::test_decide_refuses_ids_whose_letters_one_file_system_would_fold_together",
    "test_security.py::test_restore_refuses_a_file_this_program_did_not_write",
    "test_security.py::test_restore_refuses_a_file_that_is_not_sqlite",
    "test_security.py::test_a_tiny_file_claiming_a_huge_sheet_is_refused_with_one_line",
    "test_security.py::test_a_sheet_in_another_character_set_is_refused_with_one_line_naming_it",
    "test_safety.py::test_restore_refuses_bad_files_and_changes_nothing",
    "test_safety.py::test_restore_refuses_the_live_database_itself",
    "test_safety.py::test_database_from_a_newer_version_refused",
    "test_safety.py::test_a_damaged_database_is_named_and_the_latest_backup_offered",
    "test_safety.py::test_a_database_with_many_damaged_pages_is_named_in_one_line",
    "test_render.py::test_officer_template_linked_outside_its_folder_is_refused",
    "test_render.py::test_template_reaching_python_internals_is_refused",
    "test_render.py::test_docx_template_with_internals_is_refused",
    "test_render.py::test_template_asking_too_much_is_refused",
    "test_render.py::test_docx_template_asking_too_much_is_refused",
    "test_render.py::test_template_running_too_long_is_stopped_with_its_name",
    "test_decide.py::test_decide_on_a_date_out_of_the_calendar_is_refused_in_finnish",
    "test_decide.py::test_decide_refuses_a_proposal_whose_application_changed_since",
    "test_xlsx_stream.py::test_a_large_file_is_refused_at_the_first_bad_row_not_after_reading_it_all",
    "test_reports.py::test_bad_report_file_is_refused_whole_with_file_row_and_column",
    "test_conflicts.py::test_bad_register_row_refused_whole",
    "test_proposal_sheet.py::test_a_bad_amount_is_refused_naming_its_cell",
    "test_paths.py::test_a_folder_given_as_an_input_file_is_one_clear_line",
    "test_paths.py::test_a_folder_given_as_the_database_or_the_settings_is_one_clear_line",
]

# Processes SIGKILLed at a point (or after a time) whose next run finds the database whole.
KILL: list[str] = [
    "test_faults.py::test_import_killed_at_a_point_leaves_the_state_before",
    "test_faults.py::test_import_killed_after_a_time_is_all_or_nothing",
    "test_faults.py::test_purge_killed_leaves_the_state_before",
    "test_faults.py::test_a_killed_lock_holder_is_not_named_and_its_entry_is_replaced",
    "test_faults.py::test_decide_killed_while_writing_its_letters_is_finished_by_the_rerun",
    "test_faults.py::test_propose_killed_while_writing_its_documents_is_finished_by_the_rerun",
    "test_send.py::test_a_letter_accepted_before_a_crash_is_not_sent_twice_without_the_officers_word",
]

# Tests that look for personal data where it must not be (output, public documents, the file after purge).
LEAKCHECK: list[str] = [
    "test_import.py::test_personal_data_kept_apart_and_db_owner_only",
    "test_check_cli.py::test_json_interface_shape",
    "test_rules.py::test_personal_data_never_in_messages",
    "test_decide.py::test_iban_only_in_the_finance_file",
    "test_render.py::test_annex_context_has_no_personal_data",
    "test_render.py::test_personal_data_refused_in_public_document",
    "test_render.py::test_public_documents_scrub_contact_details_from_applicant_text",
    "test_layout.py::test_public_annex_sheet_is_scrubbed_like_the_word_annex",
    "test_propose.py::test_sample_public_documents_hold_no_personal_data",
    "test_opendata.py::test_clean_output_leaves_out_scrubs_and_replaces",
    "test_opendata.py::test_export_command_on_the_sample_round_publishes_no_personal_data",
    "test_audit.py::test_names_and_letter_texts_stay_out_of_the_command_line",
    "test_safety.py::test_purged_values_are_not_left_in_the_file",
    "test_safety.py::test_unknown_personal_looking_columns_are_personal_data",
    "test_security.py::test_personal_data_under_unknown_headers_is_reported_and_purged",
    "test_security.py::test_letters_and_mailing_lists_are_listed_by_privacy_and_removed_by_purge_files",
    "test_letters.py::test_purge_forgets_the_address_a_letter_went_to",
]

MARKS = {"hostile": HOSTILE, "kill": KILL, "leakcheck": LEAKCHECK}
