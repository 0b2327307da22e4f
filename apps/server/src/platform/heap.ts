import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what the last full collection kept
 * before it collects again (V8's own default adapts between 10% and 300% and, on a busy
 * server, settles near the top). A request's short-lived objects that outlive two
 * scavenges (rows, rendered todos, serialized pages under concurrent load) are promoted
 * and then wait for that limit: measured under a mixed read load, V8's default let the
 * heap reach 160 MB committed for ~40 MB live and the process 274 MB, held until the
 * memory reducer's idle collection some 20–30 s later; with 30% the same load ran at
 * 90 MB committed and 198 MB resident, and served no fewer reads in the same time (a busy
 * machine: 5,009–6,282 against 4,545–5,649; full collections are incremental and mostly
 * concurrent). After the 1M-todo read benchmark: 224 MB instead of 299–352 MB.
 */
export const HEAP_GROWING_PERCENT = 30;

/** Applies HEAP_GROWING_PERCENT to this process, unless its node options already set it. */
export function keepHeapTight(): void {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  if (/--heap[-_]growing[-_]percent/.test(given)) return;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
