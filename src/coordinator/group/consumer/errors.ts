/**
 * A request refused by a consumer group, with the Kafka error code and the message Kafka's
 * exception carries (the heartbeat response's ErrorMessage). Thrown inside the group logic
 * and caught once by the operation that handles the request, before any record is written.
 */
export class GroupError extends Error {
  override readonly name = 'GroupError';
  readonly errorCode: number;
  constructor(errorCode: number, message: string) {
    super(message);
    this.errorCode = errorCode;
  }
}
