/** The categories an `IntegrationError` falls in. */
export type IntegrationErrorKind =
  | 'network'
  | 'timeout'
  | 'http'
  | 'invalid_response'
  | 'aborted'
  | 'invalid_input';

/**
 * The one error type of integrations-client: every rejection and every throw of the package is
 * one. Never contains token text.
 *
 * @example
 * ```ts
 * try {
 *   await client.disconnect('instagram', 'account_123');
 * } catch (error) {
 *   if (error instanceof IntegrationError && error.retryable) showRetryButton(error.userMessage);
 * }
 * ```
 */
export declare class IntegrationError extends Error {
  private constructor();
  name: 'IntegrationError';
  /** What went wrong, in the categories a caller branches on. */
  readonly kind: IntegrationErrorKind;
  /** One friendly sentence for end users (the server's `userMessage` where it gave one). */
  readonly userMessage: string;
  /** The HTTP status of the last attempt. */
  readonly statusCode?: number;
  /** Whether trying the same operation later could succeed. */
  readonly retryable: boolean;
  /** The provider the operation was about. */
  readonly provider?: string;
  /** The account the operation was about. */
  readonly accountId?: string;
  /** The operation's uuid v4, as sent in `X-Correlation-Id` on every attempt. */
  readonly correlationId: string;
  /** How many attempts were made (0 when the input was refused before any request). */
  readonly attempts: number;
  /** The server's `Retry-After` in ms, where it sent one. */
  readonly retryAfterMs?: number;
  /** The server's `APIError.type`. */
  readonly type?: string;
  /** The server's `APIError.details`, or for `invalid_response` `{ path }`: the first bad place. */
  readonly details?: Record<string, unknown>;
  /** Every field above plus `name` and `message`, for logs. */
  toJSON(): Record<string, unknown>;
}
