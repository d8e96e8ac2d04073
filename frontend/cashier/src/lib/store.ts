/**
 * A tiny typed store: one immutable state object, replaced on every change, and listeners told
 * after each change. ``useStore`` reads it from a component and re-renders on changes.
 *
 * Not ``useSyncExternalStore`` from preact/compat: importing compat installs React-compat
 * option hooks for the whole app (``onChange`` on text inputs would fire on every keystroke,
 * which the cart's quantity and discount fields rely on not doing).
 */
import { useEffect, useRef, useState } from "preact/hooks";

export interface Store<S extends object> {
  get(): S;
  /** Replace the state with ``next(current)`` and tell every listener. */
  update(next: (s: S) => S): void;
  /** Call ``listener`` after each change; returns the function that stops it. */
  subscribe(listener: () => void): () => void;
}

export function createStore<S extends object>(initial: S): Store<S> {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => state,
    update(next) {
      const after = next(state);
      if (after === state) return;
      state = after;
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => { listeners.delete(listener); };
    },
  };
}

/** The selected part of the state; the component re-renders when it changes (by identity, so
 *  a selector returns a part of the state, not a new object). */
export function useStore<S extends object, T>(store: Store<S>, select: (s: S) => T): T {
  const value = select(store.get());
  const seen = useRef({ value, select });
  seen.current = { value, select };
  const [, rerender] = useState(0);
  useEffect(() => {
    const check = () => {
      const { value: shown, select: pick } = seen.current;
      if (!Object.is(pick(store.get()), shown)) rerender((n) => n + 1);
    };
    check(); // a change between this render and subscribing
    return store.subscribe(check);
  }, [store]);
  return value;
}
