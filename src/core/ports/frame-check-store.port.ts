/**
 * What the portal said about a card-frame user's token, kept for a while in the database so
 * every web process shares it (the `frame_checks` table of migration 0006_frame_checks): a
 * token one process has checked is not checked again by the next, and a refused one is refused
 * by all without asking the portal. Keyed by a hash of installation and token: the token itself
 * is never stored.
 */
export interface FrameCheckVerdict {
  /** SHA-256 hex of `${installationId}:${token}`. */
  keyHash: string;
  installationId: string;
  accepted: boolean;
  expiresAt: Date;
}

export interface FrameCheckStore {
  /** The verdict for this key while it holds (null once it has expired, or when there is none). */
  find(keyHash: string): Promise<Pick<FrameCheckVerdict, 'accepted' | 'expiresAt'> | null>;
  /** Keeps a verdict (a newer one for the same key replaces it). */
  remember(verdict: FrameCheckVerdict): Promise<void>;
  /** Drops every verdict that has expired; how many went. */
  prune(): Promise<number>;
}
