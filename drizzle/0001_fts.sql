-- Bigram full-text indexes over every text column of the case tables.
-- Andy writes the grams itself (src/search/grams.ts): each run of letters/digits becomes its single
-- characters plus overlapping two-character grams, so one- and two-character Chinese words match.
-- Contentless (the rows live in the case tables); rowid = the case row's id.
CREATE VIRTUAL TABLE `content_cases_fts` USING fts5(case_name, kh_name, yxt_industry_1, kh_industry_1, enterprise_type, staff_size, train_target, xm_crowd, xm_name, content_product, product_series, case_time, summary, content='', contentless_delete=1, detail='column', tokenize='unicode61 remove_diacritics 0');
--> statement-breakpoint
CREATE VIRTUAL TABLE `pitch_plans_fts` USING fts5(kh_name, kh_industry_1, enterprise_type, xm_crowd, xm_name, content_product, product_series, case_time, content='', contentless_delete=1, detail='column', tokenize='unicode61 remove_diacritics 0');
--> statement-breakpoint
CREATE VIRTUAL TABLE `competitor_switches_fts` USING fts5(kh_name, kh_industry_1, area, staff_size, competitor_name, replace_reason, enterprise_type, sign_sales, content='', contentless_delete=1, detail='column', tokenize='unicode61 remove_diacritics 0');
--> statement-breakpoint
CREATE VIRTUAL TABLE `procurements_fts` USING fts5(org_name, yxt_industry_1, enterprise_type, staff_size, class_type, product_name, source_type, content='', contentless_delete=1, detail='column', tokenize='unicode61 remove_diacritics 0');
--> statement-breakpoint
CREATE VIRTUAL TABLE `software_cases_fts` USING fts5(archive_name, yxt_industry_1, yxt_industry_2, enterprise_type, staff_size, customer_province, customer_keywords, content='', contentless_delete=1, detail='column', tokenize='unicode61 remove_diacritics 0');
