/**
 * What the topology keeps in its state stores (and their changelog topics), with compact
 * binary encodings that need no schema registry. Each encoding starts with a format byte; a
 * change of format needs a new byte value and a reader for the old one.
 */
package io.alignstream.topology.state;
