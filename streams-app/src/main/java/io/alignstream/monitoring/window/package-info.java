/**
 * The monitor's windows: what it observes of the published streams (pairs, AlignVLM images,
 * dead letters), buffered in changelogged stores until a window closes: every N pairs (count
 * window) and every period of wall-clock time (time window).
 */
package io.alignstream.monitoring.window;
