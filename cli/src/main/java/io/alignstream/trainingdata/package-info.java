/**
 * The training-data directory the label-free trainer reads (docs/bundle-format-2.md): a user's
 * images and captions embedded through a bundle's own vision and text heads, split by image.
 */
package io.alignstream.trainingdata;
