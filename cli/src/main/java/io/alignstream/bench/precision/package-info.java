/**
 * {@code alignstream bench precision}: what int8 inference (issue 18) costs in quality, measured
 * against fp32 on images and captions the heads did not train on (docs/cli.md, docs/int8.md).
 */
package io.alignstream.bench.precision;
