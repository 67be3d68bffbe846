-- CreateTable
CREATE TABLE `agents` (
    `id` VARCHAR(36) NOT NULL,
    `key` VARCHAR(191) NOT NULL,
    `display_name` VARCHAR(191) NOT NULL,
    `system_prompt` TEXT NULL,
    `default_model` VARCHAR(191) NULL,
    `fallback_models` JSON NOT NULL,
    `temperature` DOUBLE NULL,
    `tools` JSON NULL,
    `metadata` JSON NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updated_at` DATETIME(3) NOT NULL,
    `deleted_at` DATETIME(3) NULL,

    UNIQUE INDEX `agents_key_key`(`key`),
    INDEX `agents_deleted_at_id_idx`(`deleted_at`, `id`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `conversations` (
    `id` VARCHAR(36) NOT NULL,
    `agent_id` VARCHAR(36) NULL,
    `title` VARCHAR(191) NULL,
    `metadata` JSON NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updated_at` DATETIME(3) NOT NULL,

    INDEX `conversations_agent_id_idx`(`agent_id`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `sessions` (
    `id` VARCHAR(36) NOT NULL,
    `agent_id` VARCHAR(36) NULL,
    `conversation_id` VARCHAR(36) NULL,
    `external_key` VARCHAR(191) NULL,
    `parent_session_id` VARCHAR(36) NULL,
    `model_override` VARCHAR(191) NULL,
    `temperature_override` DOUBLE NULL,
    `allowed_tools` JSON NULL,
    `status` VARCHAR(16) NOT NULL DEFAULT 'active',
    `message_count` INTEGER NOT NULL DEFAULT 0,
    `history_hash` CHAR(64) NOT NULL DEFAULT '',
    `metadata` JSON NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updated_at` DATETIME(3) NOT NULL,

    INDEX `sessions_external_key_created_at_idx`(`external_key`, `created_at`),
    INDEX `sessions_conversation_id_created_at_idx`(`conversation_id`, `created_at`),
    INDEX `sessions_agent_id_created_at_idx`(`agent_id`, `created_at`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `messages` (
    `id` VARCHAR(36) NOT NULL,
    `session_id` VARCHAR(36) NOT NULL,
    `position` INTEGER NOT NULL,
    `role` VARCHAR(16) NOT NULL,
    `content` MEDIUMTEXT NULL,
    `name` VARCHAR(191) NULL,
    `tool_calls` JSON NULL,
    `tool_call_id` VARCHAR(191) NULL,
    `reasoning` MEDIUMTEXT NULL,
    `model` VARCHAR(191) NULL,
    `metadata` JSON NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `messages_session_id_position_key`(`session_id`, `position`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `inferences` (
    `id` VARCHAR(36) NOT NULL,
    `request_id` VARCHAR(191) NOT NULL,
    `session_id` VARCHAR(36) NULL,
    `state` VARCHAR(16) NOT NULL,
    `owner` VARCHAR(64) NULL,
    `lease_until` DATETIME(3) NULL,
    `endpoint` VARCHAR(191) NULL,
    `provider_model` VARCHAR(191) NULL,
    `status` VARCHAR(24) NULL,
    `finish_reason` VARCHAR(32) NULL,
    `prompt_tokens` INTEGER NOT NULL DEFAULT 0,
    `completion_tokens` INTEGER NOT NULL DEFAULT 0,
    `cost` DECIMAL(14, 8) NOT NULL DEFAULT 0,
    `retry_count` INTEGER NOT NULL DEFAULT 0,
    `latency_ms` INTEGER NOT NULL DEFAULT 0,
    `error_code` VARCHAR(48) NULL,
    `error_text` TEXT NULL,
    `response` JSON NULL,
    `wire_form` VARCHAR(16) NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `completed_at` DATETIME(3) NULL,

    UNIQUE INDEX `inferences_request_id_key`(`request_id`),
    INDEX `inferences_session_id_created_at_idx`(`session_id`, `created_at`),
    INDEX `inferences_created_at_idx`(`created_at`),
    INDEX `inferences_state_lease_until_idx`(`state`, `lease_until`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `conversations` ADD CONSTRAINT `conversations_agent_id_fkey` FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `sessions` ADD CONSTRAINT `sessions_agent_id_fkey` FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `sessions` ADD CONSTRAINT `sessions_conversation_id_fkey` FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `messages` ADD CONSTRAINT `messages_session_id_fkey` FOREIGN KEY (`session_id`) REFERENCES `sessions`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `inferences` ADD CONSTRAINT `inferences_session_id_fkey` FOREIGN KEY (`session_id`) REFERENCES `sessions`(`id`) ON DELETE SET NULL ON UPDATE CASCADE;
