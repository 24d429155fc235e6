// The live feed: GET /v1/events/stream read with fetch, so the token goes in the Authorization
// header (EventSource cannot send one) and never into a URL. Reconnects with backoff.
import { authHeaders } from './api.js';

/** Parses text/event-stream chunks into { event, data } messages. */
function parser(onMessage) {
  let buffer = '';
  return (chunk) => {
    buffer += chunk;
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length > 0) {
        try {
          onMessage(event, JSON.parse(data.join('\n')));
        } catch {
          // A malformed message is skipped; the next one is read normally.
        }
      }
    }
  };
}

/**
 * Starts reading the feed; `onMessage(type, data)` per message, `onState('live'|'reconnecting'|'refused')`.
 * Returns stop().
 */
export function startLive(onMessage, onState) {
  let stopped = false;
  let controller = null;
  let delay = 1000;
  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const res = await fetch('/v1/events/stream', { headers: authHeaders({ accept: 'text/event-stream' }), signal: controller.signal, cache: 'no-store' });
        if (res.status === 401) {
          onState('refused');
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        onState('live');
        delay = 1000;
        const feed = parser(onMessage);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          feed(value);
        }
      } catch {
        // Dropped or refused connection: retried below unless stopped.
      }
      if (stopped) return;
      onState('reconnecting');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 15000);
    }
  };
  void run();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
