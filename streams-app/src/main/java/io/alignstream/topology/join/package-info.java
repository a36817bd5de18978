/**
 * Captions meet their images: a caption whose image is already embedded is paired at once; one
 * that came first waits in a store until its image arrives or its grace period ends (then it is
 * dead-lettered, CAPTION_WITHOUT_IMAGE). A store of emitted pairs makes a re-sent caption
 * yield no second record.
 */
package io.alignstream.topology.join;
