/** The Team tab: the account on a team server, push and pull, conflicts, published models. */
export function TeamPage() {
  return <section className="page" data-testid="team-page" />;
}
