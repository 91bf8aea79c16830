// Reads what Electronegativity's API returns. A report or finding without the fields the security
// gate needs fails with what it held, so a changed tool cannot pass the gate by saying nothing.

/** Checks the report's shape: `{ issues: [], errors: [] }`. */
export function readReport(result) {
  if (!result || !Array.isArray(result.issues) || !Array.isArray(result.errors)) {
    throw new Error(`electronegativity returned no report: ${String(JSON.stringify(result)).slice(0, 500)}`);
  }
  return result;
}

/** One finding as printed: check id, severity and confidence names, file and line:column. */
export function readFinding(issue) {
  const severity = issue?.severity?.name;
  const confidence = issue?.confidence?.name;
  if (typeof issue?.id !== 'string' || typeof severity !== 'string' || typeof confidence !== 'string') {
    throw new Error(`unreadable finding from electronegativity: ${String(JSON.stringify(issue)).slice(0, 500)}`);
  }
  const line = issue.location?.line ?? '?';
  const column = issue.location?.column ?? '?';
  return { check: issue.id, severity, confidence, file: String(issue.file ?? 'N/A'), location: `${line}:${column}` };
}
