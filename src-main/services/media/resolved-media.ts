/** A media request answered: the file to send, and how to label and cache it. */
export interface ResolvedMedia {
  path: string;
  contentType: string;
  /** Content hash: a strong ETag, and the reason the answer may be cached for good. */
  etag: string;
}

/** Anything that answers `external/<token>` requests (ExternalImages). */
export interface ExternalMedia {
  resolve(token: string): Promise<ResolvedMedia>;
}
