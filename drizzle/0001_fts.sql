-- Bigram full-text indexes over the free-text columns of the case tables (names, reasons, summaries).
-- Andy writes the tokens itself (src/search/grams.ts): the overlapping two-character grams of every run of
-- letters/digits, so two-character Chinese words (制造, 国企) are found (trigram FTS cannot).
-- A word is matched as the phrase of its consecutive bigrams = an exact substring. Contentless; rowid = the case row's id.
CREATE VIRTUAL TABLE `content_cases_fts` USING fts5(case_name, kh_name, xm_name, summary, content='', contentless_delete=1, detail='full', tokenize='unicode61 remove_diacritics 0');
--> statement-breakpoint
CREATE VIRTUAL TABLE `pitch_plans_fts` USING fts5(kh_name, xm_name, content='', contentless_delete=1, detail='full', tokenize='unicode61 remove_diacritics 0');
--> statement-breakpoint
CREATE VIRTUAL TABLE `competitor_switches_fts` USING fts5(kh_name, replace_reason, content='', contentless_delete=1, detail='full', tokenize='unicode61 remove_diacritics 0');
--> statement-breakpoint
CREATE VIRTUAL TABLE `procurements_fts` USING fts5(org_name, content='', contentless_delete=1, detail='full', tokenize='unicode61 remove_diacritics 0');
--> statement-breakpoint
CREATE VIRTUAL TABLE `software_cases_fts` USING fts5(archive_name, customer_keywords, content='', contentless_delete=1, detail='full', tokenize='unicode61 remove_diacritics 0');
