/** grpc-js wraps a socket error in several sentences ("… Last error: … Resolution note: …"); this keeps the part a person needs. */
export function plainReason(details: string): string {
  const lastError = /Last error: (?:Error: )?(.*?)(?:\.\s*Resolution note:.*)?$/s.exec(details);
  return (lastError?.[1] ?? details).trim().replace(/\.$/, '');
}
