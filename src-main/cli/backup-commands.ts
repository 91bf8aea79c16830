/** `reticle backup` and `reticle restore`: a project and an S3 bucket. */

export const BACKUP_USAGE = ``;

export const BACKUP_COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {};
