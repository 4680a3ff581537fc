CREATE TABLE `app_meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `competitor_switches` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kh_name` text,
	`kh_industry_1` text,
	`area` text,
	`staff_size` text,
	`staff_size_begin` integer,
	`staff_size_end` integer,
	`competitor_name` text,
	`replace_year` integer,
	`replace_reason` text,
	`enterprise_type` text,
	`sign_sales` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `content_cases` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`case_name` text,
	`kh_name` text,
	`yxt_industry_1` text,
	`kh_industry_1` text,
	`enterprise_type` text,
	`staff_size` text,
	`staff_size_min` integer,
	`staff_size_max` integer,
	`train_target` text,
	`xm_crowd` text,
	`xm_name` text,
	`content_product` text,
	`product_series` text,
	`case_time` text,
	`case_year` integer,
	`case_url` text,
	`summary` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `conversation_state` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`conversation_id` text NOT NULL,
	`user_id` text NOT NULL,
	`last_search` text,
	`workflow` text,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `conversation_state_conv_user_uq` ON `conversation_state` (`conversation_id`,`user_id`);--> statement-breakpoint
CREATE TABLE `inbound_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`robot_code` text NOT NULL,
	`msg_id` text NOT NULL,
	`source` text NOT NULL,
	`conversation_id` text,
	`conversation_type` text,
	`conversation_title` text,
	`sender_staff_id` text,
	`sender_nick` text,
	`sender_corp_id` text,
	`msgtype` text,
	`text` text,
	`custom_type` text,
	`model_type` text,
	`session_webhook` text,
	`session_webhook_expired_time` integer,
	`create_at` integer,
	`raw` text NOT NULL,
	`status` text DEFAULT 'received' NOT NULL,
	`intent` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`received_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inbound_messages_robot_msg_uq` ON `inbound_messages` (`robot_code`,`msg_id`);--> statement-breakpoint
CREATE INDEX `inbound_messages_status_idx` ON `inbound_messages` (`status`);--> statement-breakpoint
CREATE TABLE `llm_calls` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`model` text NOT NULL,
	`intent` text,
	`user_id` text,
	`msg_id` text,
	`tokens_in` integer DEFAULT 0 NOT NULL,
	`tokens_out` integer DEFAULT 0 NOT NULL,
	`estimated` integer DEFAULT 0 NOT NULL,
	`cost_rmb` real DEFAULT 0 NOT NULL,
	`latency_ms` integer DEFAULT 0 NOT NULL,
	`status` text DEFAULT 'ok' NOT NULL,
	`error` text,
	`use_date` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `llm_calls_user_date_idx` ON `llm_calls` (`user_id`,`use_date`);--> statement-breakpoint
CREATE INDEX `llm_calls_date_idx` ON `llm_calls` (`use_date`);--> statement-breakpoint
CREATE TABLE `outbound_parts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`inbound_id` integer NOT NULL,
	`part_no` integer NOT NULL,
	`idempotency_key` text NOT NULL,
	`kind` text NOT NULL,
	`title` text,
	`body` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`channel` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`error` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`sent_at` integer,
	FOREIGN KEY (`inbound_id`) REFERENCES `inbound_messages`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbound_parts_inbound_part_uq` ON `outbound_parts` (`inbound_id`,`part_no`);--> statement-breakpoint
CREATE UNIQUE INDEX `outbound_parts_key_uq` ON `outbound_parts` (`idempotency_key`);--> statement-breakpoint
CREATE TABLE `pitch_plans` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kh_name` text,
	`kh_industry_1` text,
	`enterprise_type` text,
	`xm_crowd` text,
	`xm_name` text,
	`content_product` text,
	`product_series` text,
	`case_time` text,
	`case_year` integer,
	`case_url` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `process_data` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` text,
	`user_name` text,
	`enterprise_name` text,
	`activity_beijing` text,
	`activity_mubiao` text,
	`activity_type` text,
	`yixiang_course` text,
	`fansan_mothed` text,
	`sys_survey_report` text,
	`sys_activity_need` text,
	`sys_content_select` text,
	`user_content_select` text,
	`sys_content_tuij` text,
	`sys_activity_name` text,
	`user_activity_name` text,
	`sys_activity_ideas` text,
	`sys_activity_plan` text,
	`sys_activity_enroll` text,
	`sys_activity_xuanc` text,
	`sys_incentive_plan` text,
	`sys_yuqi_result` text,
	`sys_refine_merge` text,
	`sys_activity_simplify` text,
	`block_index` integer DEFAULT 0 NOT NULL,
	`total_tokens` integer DEFAULT 0 NOT NULL,
	`total_rmb` real DEFAULT 0 NOT NULL,
	`current_model` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `process_data_user_idx` ON `process_data` (`user_id`);--> statement-breakpoint
CREATE TABLE `procurements` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org_name` text,
	`yxt_industry_1` text,
	`enterprise_type` text,
	`staff_size` text,
	`staff_size_min` integer,
	`staff_size_max` integer,
	`money` real,
	`class_type` text,
	`product_name` text,
	`source_type` text,
	`purchase_year` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `prompt_steps` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`version` text NOT NULL,
	`step_type` text NOT NULL,
	`step_name` text,
	`prompt` text,
	`step1` text,
	`step2` text,
	`step3` text,
	`step4` text,
	`step5` text,
	`step6` text,
	`step7` text,
	`step8` text,
	`step9` text,
	`step10` text,
	`step11` text,
	`step12` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `prompt_steps_version_type_idx` ON `prompt_steps` (`version`,`step_type`);--> statement-breakpoint
CREATE TABLE `report_prompts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`app_catalog` text,
	`app_name` text,
	`app_id` text,
	`app_url` text,
	`currNodeInstanceId` text,
	`order_index` integer DEFAULT 0 NOT NULL,
	`prompt` text,
	`step1` text,
	`step2` text,
	`step3` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `report_prompts_catalog_idx` ON `report_prompts` (`app_catalog`,`order_index`);--> statement-breakpoint
CREATE TABLE `scheduled_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`job` text NOT NULL,
	`period` text NOT NULL,
	`status` text NOT NULL,
	`detail` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `scheduled_runs_job_period_uq` ON `scheduled_runs` (`job`,`period`);--> statement-breakpoint
CREATE TABLE `software_cases` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`archive_name` text,
	`yxt_industry_1` text,
	`yxt_industry_2` text,
	`enterprise_type` text,
	`staff_size` text,
	`staff_size_min` integer,
	`staff_size_max` integer,
	`customer_province` text,
	`customer_keywords` text,
	`account_count` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `usage_records` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`assistant_type` text NOT NULL,
	`assistant_name` text NOT NULL,
	`dd_group_name` text,
	`user_dd_nick` text,
	`consult_content` text,
	`conversation_type` text,
	`use_time` text NOT NULL,
	`use_date` text NOT NULL,
	`user_id` text,
	`conversation_id` text,
	`msg_id` text,
	`intent` text NOT NULL,
	`hits` integer,
	`filters` text,
	`hit_ids` text,
	`latency_ms` integer,
	`status` text NOT NULL,
	`error` text,
	`tokens` integer DEFAULT 0 NOT NULL,
	`cost_rmb` real DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `usage_records_use_date_idx` ON `usage_records` (`use_date`);--> statement-breakpoint
CREATE INDEX `usage_records_user_date_idx` ON `usage_records` (`user_id`,`use_date`);--> statement-breakpoint
CREATE INDEX `usage_records_intent_date_idx` ON `usage_records` (`intent`,`use_date`);