// The event's shape is part of the wire contract; the host calls the validated, normalised form
// that crosses into an isolate (JSON-safe: the date is ISO text) WireEventData.
export type { WireEvent as WireEventData, EventSource } from '@jobhook/sdk/contract';
