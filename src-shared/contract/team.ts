/** The team domains of the contract: the account on a team server, and project sync. */
import * as Team from '../team.js';
import { event, method, returns } from './define.js';

void Team;
void event;
void method;
void returns;

export const teamContract = {
  account: {},
  sync: {},
} as const;
