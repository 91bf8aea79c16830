/** The backup domain of the contract: S3 backup and restore. */
import * as Backup from '../backup.js';
import { event, method, returns } from './define.js';

void Backup;
void event;
void method;
void returns;

export const backupContract = {
  backup: {},
} as const;
