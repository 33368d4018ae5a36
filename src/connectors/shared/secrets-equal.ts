import { hash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time comparison of two secrets of any length: both are hashed first (SHA-256), so
 * neither the content nor the length of the expected secret shows in the time taken. One-shot
 * `crypto.hash` (Node 20.12+) rather than a Hash object: it runs for every inbound event.
 */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(hash('sha256', a, 'buffer'), hash('sha256', b, 'buffer'));
}
