/**
 * First step of every input: validate the event, count it, and re-key it by its image id
 * (taken from the value, never from the key bytes, which producers encode in different ways),
 * stamping its original coordinates in headers for later dead letters.
 */
package io.alignstream.topology.keying;
