/** `reticle login`, `reticle push`, `reticle pull`: a project and a team server. */

export const TEAM_USAGE = ``;

export const TEAM_COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {};
