// `Event` and `EventTarget` for the isolate, as the DOM standard defines them for a target without a
// tree: no capture or bubble path, so dispatch runs the target's own listeners in order.
import { DOMException } from './dom-exception.js';

type Callback = ((event: Event) => unknown) | { handleEvent(event: Event): unknown };

interface Listener {
  readonly callback: Callback;
  readonly capture: boolean;
  readonly once: boolean;
  readonly passive: boolean;
  removed: boolean;
}

/** What an event's dispatcher may change and a listener may not. */
interface EventState {
  target: EventTarget | null;
  currentTarget: EventTarget | null;
  phase: number;
  canceled: boolean;
  stopped: boolean;
  stoppedImmediately: boolean;
  inPassiveListener: boolean;
  dispatching: boolean;
}

const states = new WeakMap<Event, EventState>();
const stateOf = (event: Event): EventState => {
  const state = states.get(event);
  if (state === undefined) throw new TypeError('Illegal invocation: not an Event');
  return state;
};

let reportListenerError: (error: unknown) => void = () => {};

/** Where an exception thrown by a listener goes (dispatch itself carries on, as in browsers). */
export function setListenerErrorReporter(report: (error: unknown) => void): void {
  reportListenerError = report;
}

export interface EventInit {
  bubbles?: boolean;
  cancelable?: boolean;
  composed?: boolean;
}

/** The DOM `Event`. */
export class Event {
  static readonly NONE = 0;
  static readonly CAPTURING_PHASE = 1;
  static readonly AT_TARGET = 2;
  static readonly BUBBLING_PHASE = 3;
  readonly type: string;
  readonly bubbles: boolean;
  readonly cancelable: boolean;
  readonly composed: boolean;
  readonly timeStamp: number;
  readonly isTrusted = false;

  constructor(type: string, init: EventInit = {}) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'Event': 1 argument required, but only 0 present.");
    this.type = String(type);
    this.bubbles = Boolean(init?.bubbles);
    this.cancelable = Boolean(init?.cancelable);
    this.composed = Boolean(init?.composed);
    this.timeStamp = Date.now();
    states.set(this, {
      target: null,
      currentTarget: null,
      phase: 0,
      canceled: false,
      stopped: false,
      stoppedImmediately: false,
      inPassiveListener: false,
      dispatching: false,
    });
  }
  get target(): EventTarget | null {
    return stateOf(this).target;
  }
  get srcElement(): EventTarget | null {
    return stateOf(this).target;
  }
  get currentTarget(): EventTarget | null {
    return stateOf(this).currentTarget;
  }
  get eventPhase(): number {
    return stateOf(this).phase;
  }
  get defaultPrevented(): boolean {
    return stateOf(this).canceled;
  }
  get cancelBubble(): boolean {
    return stateOf(this).stopped;
  }
  set cancelBubble(value: boolean) {
    if (value) stateOf(this).stopped = true;
  }
  get returnValue(): boolean {
    return !stateOf(this).canceled;
  }
  composedPath(): EventTarget[] {
    const { currentTarget } = stateOf(this);
    return currentTarget === null ? [] : [currentTarget];
  }
  preventDefault(): void {
    const state = stateOf(this);
    if (this.cancelable && !state.inPassiveListener) state.canceled = true;
  }
  stopPropagation(): void {
    stateOf(this).stopped = true;
  }
  stopImmediatePropagation(): void {
    const state = stateOf(this);
    state.stopped = state.stoppedImmediately = true;
  }
  get [Symbol.toStringTag](): string {
    return 'Event';
  }
}

function flags(options: boolean | AddEventListenerOptions | undefined): { capture: boolean; once: boolean; passive: boolean; signal: unknown } {
  if (typeof options === 'boolean') return { capture: options, once: false, passive: false, signal: undefined };
  const o = options ?? {};
  return { capture: Boolean(o.capture), once: Boolean(o.once), passive: Boolean(o.passive), signal: o.signal };
}

export interface AddEventListenerOptions {
  capture?: boolean;
  once?: boolean;
  passive?: boolean;
  signal?: { aborted: boolean; addEventListener(type: string, cb: () => void, options?: unknown): void };
}

/** The DOM `EventTarget`. */
export class EventTarget {
  readonly #listeners = new Map<string, Listener[]>();

  addEventListener(type: string, callback: Callback | null, options?: boolean | AddEventListenerOptions): void {
    if (callback === null || callback === undefined) return;
    if (typeof callback !== 'function' && (typeof callback !== 'object' || callback === null)) {
      throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': The callback provided as parameter 2 is not an object.");
    }
    const { capture, once, passive, signal } = flags(options);
    const key = String(type);
    const signalLike = signal as AddEventListenerOptions['signal'];
    if (signalLike?.aborted) return;
    const list = this.#listeners.get(key) ?? [];
    if (list.some((l) => l.callback === callback && l.capture === capture)) return;
    const listener: Listener = { callback, capture, once, passive, removed: false };
    list.push(listener);
    this.#listeners.set(key, list);
    signalLike?.addEventListener('abort', () => this.removeEventListener(key, callback, { capture }), { once: true });
  }

  removeEventListener(type: string, callback: Callback | null, options?: boolean | { capture?: boolean }): void {
    const capture = typeof options === 'boolean' ? options : Boolean(options?.capture);
    const key = String(type);
    const list = this.#listeners.get(key);
    if (list === undefined) return;
    const at = list.findIndex((l) => l.callback === callback && l.capture === capture);
    if (at < 0) return;
    list[at]!.removed = true;
    list.splice(at, 1);
    if (list.length === 0) this.#listeners.delete(key);
  }

  dispatchEvent(event: Event): boolean {
    if (!(event instanceof Event)) throw new TypeError("Failed to execute 'dispatchEvent' on 'EventTarget': parameter 1 is not of type 'Event'.");
    const state = stateOf(event);
    if (state.dispatching) throw new DOMException('The event is already being dispatched.', 'InvalidStateError');
    state.dispatching = true;
    state.target = state.currentTarget = this;
    state.phase = Event.AT_TARGET;
    try {
      for (const listener of [...(this.#listeners.get(event.type) ?? [])]) {
        if (listener.removed) continue;
        if (listener.once) this.removeEventListener(event.type, listener.callback, { capture: listener.capture });
        state.inPassiveListener = listener.passive;
        try {
          const cb = listener.callback;
          if (typeof cb === 'function') cb.call(this, event);
          else cb.handleEvent(event);
        } catch (e) {
          reportListenerError(e);
        }
        state.inPassiveListener = false;
        if (state.stoppedImmediately) break;
      }
    } finally {
      state.dispatching = false;
      state.currentTarget = null;
      state.phase = Event.NONE;
    }
    return !state.canceled;
  }

  get [Symbol.toStringTag](): string {
    return 'EventTarget';
  }
}
