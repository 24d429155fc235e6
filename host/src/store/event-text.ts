/**
 * An accepted event as dispatch carries it: the JSON text the store holds, which reaches every
 * isolate unchanged (the host parsed the event once, at intake), and the few fields the host itself
 * reads to route the event and to log about it, taken from the store's columns.
 */
export interface EventText {
  readonly jobId: string;
  /** Lower-case GUID, as normalised at intake. */
  readonly jobTypeId: string;
  /** The normalised event (`WireEvent`) as JSON. */
  readonly eventJson: string;
}
