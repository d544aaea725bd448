/*
 * Reads a JPEG a band of rows at a time at a reduced scale, and writes one a band of rows at a
 * time, through libjpeg-turbo's scanline API (its TurboJPEG API takes whole pictures only). Rows
 * handed over as they are decoded let the caller shrink and encode them on another core while the
 * decoder, the long pole of the photo path, keeps going. See scanlines.rs for the Rust side.
 *
 * libjpeg reports errors by calling error_exit, which must not return: it longjmps back to the
 * setjmp in the same C function that called into libjpeg, so a jump never crosses a Rust frame.
 */
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <jpeglib.h>

/* A crafted progressive JPEG can declare thousands of scans, each a pass over the whole
 * picture; phones write about ten. Same bound as TurboJPEG's and djpeg's advice. */
#define FC_MAX_SCANS 500

struct fc_error {
  struct jpeg_error_mgr mgr;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

struct fc_rows {
  struct jpeg_decompress_struct cinfo;
  struct fc_error error;
  struct jpeg_progress_mgr progress;
};

static void fc_fail(j_common_ptr cinfo) {
  struct fc_error *e = (struct fc_error *)cinfo->err;
  (*cinfo->err->format_message)(cinfo, e->message);
  longjmp(e->jump, 1);
}

/* Warnings (corrupt data, which decodes as grey) are not fatal, as with TurboJPEG's default; a
 * cut-off file is refused before it gets here. Nothing is written to stderr. */
static void fc_quiet(j_common_ptr cinfo, int level) {
  (void)cinfo;
  (void)level;
}

static void fc_count_scans(j_common_ptr cinfo) {
  if (cinfo->is_decompressor &&
      ((j_decompress_ptr)cinfo)->input_scan_number > FC_MAX_SCANS) {
    struct fc_error *e = (struct fc_error *)cinfo->err;
    snprintf(e->message, sizeof e->message, "more than %d progressive scans", FC_MAX_SCANS);
    longjmp(e->jump, 1);
  }
}

/* A reader, or NULL when out of memory (or when this file was compiled against another
 * libjpeg's headers: jpeg_create_decompress checks the version and the struct's size). */
struct fc_rows *fc_rows_new(void) {
  /* volatile: read again after a longjmp. */
  struct fc_rows *volatile r = calloc(1, sizeof *r);
  if (r == NULL) return NULL;
  r->cinfo.err = jpeg_std_error(&r->error.mgr);
  r->error.mgr.error_exit = fc_fail;
  r->error.mgr.emit_message = fc_quiet;
  if (setjmp(r->error.jump)) {
    jpeg_destroy_decompress(&r->cinfo);
    free(r);
    return NULL;
  }
  jpeg_create_decompress(&r->cinfo);
  r->progress.progress_monitor = fc_count_scans;
  r->cinfo.progress = &r->progress;
  return r;
}

/* Reads the header and, if it declares the full size the caller expects (read beforehand by a
 * parser the caller trusts), starts decoding at scale_num/8 into 8-bit RGB, with at most
 * max_memory bytes for libjpeg's whole-picture buffers (progressive files). 0 when started; 1 for
 * a picture this path does not convert (CMYK, YCCK) or another size; -1 on an error, described
 * by fc_rows_message. */
int fc_rows_start(struct fc_rows *r, const unsigned char *data, unsigned long size,
                  unsigned expect_width, unsigned expect_height, unsigned scale_num,
                  long max_memory, unsigned *width, unsigned *height) {
  if (setjmp(r->error.jump)) return -1;
  jpeg_mem_src(&r->cinfo, data, size);
  jpeg_read_header(&r->cinfo, TRUE);
  if (r->cinfo.image_width != expect_width || r->cinfo.image_height != expect_height) return 1;
  if (r->cinfo.jpeg_color_space == JCS_CMYK || r->cinfo.jpeg_color_space == JCS_YCCK) return 1;
  r->cinfo.mem->max_memory_to_use = max_memory;
  r->cinfo.out_color_space = JCS_RGB;
  r->cinfo.scale_num = scale_num;
  r->cinfo.scale_denom = 8;
  r->cinfo.dct_method = JDCT_ISLOW;
  /* The derivatives are small and re-encoded: fast chroma upsampling costs nothing visible. */
  r->cinfo.do_fancy_upsampling = FALSE;
  jpeg_start_decompress(&r->cinfo);
  *width = r->cinfo.output_width;
  *height = r->cinfo.output_height;
  return 0;
}

/* Decodes up to max_rows rows into out, pitch bytes apart. The rows written (0 at the end of
 * the picture), or -1 on an error. */
long fc_rows_read(struct fc_rows *r, unsigned char *out, size_t pitch, unsigned max_rows) {
  JSAMPROW rows[16];
  /* volatile: setjmp's rules for a local changed between it and a longjmp. */
  volatile unsigned done = 0;
  if (setjmp(r->error.jump)) return -1;
  while (done < max_rows && r->cinfo.output_scanline < r->cinfo.output_height) {
    unsigned want = max_rows - done, got, i;
    if (want > 16) want = 16;
    for (i = 0; i < want; i++) rows[i] = out + (size_t)(done + i) * pitch;
    got = jpeg_read_scanlines(&r->cinfo, rows, want);
    if (got == 0) break; /* only a suspending source stops early; the memory source does not */
    done += got;
  }
  return (long)done;
}

/* What the last error was. */
const char *fc_rows_message(const struct fc_rows *r) { return r->error.message; }

/* Frees the reader, finished or not. */
void fc_rows_free(struct fc_rows *r) {
  if (r == NULL) return;
  jpeg_destroy_decompress(&r->cinfo);
  free(r);
}

/* ---- Writing: a JPEG encoded as its rows arrive. ---- */

struct fc_out {
  struct jpeg_compress_struct cinfo; /* first: the destination callbacks cast back from it */
  struct fc_error error;
  /* Our own destination rather than jpeg_mem_dest: after a failed write, that one leaves the
   * caller's pointer at a buffer it has already freed. This one is always ours to free. */
  struct jpeg_destination_mgr dest;
  unsigned char *buffer;
  size_t capacity;
  size_t size;
};

static void fc_dest_init(j_compress_ptr cinfo) {
  struct fc_out *w = (struct fc_out *)cinfo;
  w->dest.next_output_byte = w->buffer;
  w->dest.free_in_buffer = w->capacity;
}

/* The buffer is full: double it. */
static boolean fc_dest_grow(j_compress_ptr cinfo) {
  struct fc_out *w = (struct fc_out *)cinfo;
  size_t used = w->capacity, bigger = 2 * w->capacity;
  unsigned char *grown = realloc(w->buffer, bigger);
  if (grown == NULL) {
    snprintf(w->error.message, sizeof w->error.message, "out of memory");
    longjmp(w->error.jump, 1);
  }
  w->buffer = grown;
  w->capacity = bigger;
  w->dest.next_output_byte = grown + used;
  w->dest.free_in_buffer = bigger - used;
  return TRUE;
}

static void fc_dest_term(j_compress_ptr cinfo) {
  struct fc_out *w = (struct fc_out *)cinfo;
  w->size = w->capacity - w->dest.free_in_buffer;
}

/* A writer, or NULL when out of memory (or compiled against another libjpeg's headers). */
struct fc_out *fc_out_new(void) {
  struct fc_out *volatile w = calloc(1, sizeof *w);
  if (w == NULL) return NULL;
  w->cinfo.err = jpeg_std_error(&w->error.mgr);
  w->error.mgr.error_exit = fc_fail;
  w->error.mgr.emit_message = fc_quiet;
  if (setjmp(w->error.jump)) {
    jpeg_destroy_compress(&w->cinfo);
    free(w);
    return NULL;
  }
  jpeg_create_compress(&w->cinfo);
  return w;
}

/* Starts a baseline JFIF of width x height from 8-bit RGB rows, 4:2:0 as cameras write, at the
 * given quality: what TurboJPEG's defaults make. No other marker is written. 0, or -1. */
int fc_out_start(struct fc_out *w, unsigned width, unsigned height, int quality) {
  if (setjmp(w->error.jump)) return -1;
  /* About what a quality-85 picture takes; grown if needed. */
  w->capacity = (size_t)width * height / 4 + 65536;
  w->buffer = malloc(w->capacity);
  if (w->buffer == NULL) {
    snprintf(w->error.message, sizeof w->error.message, "out of memory");
    return -1;
  }
  w->dest.init_destination = fc_dest_init;
  w->dest.empty_output_buffer = fc_dest_grow;
  w->dest.term_destination = fc_dest_term;
  w->cinfo.dest = &w->dest;
  w->cinfo.image_width = width;
  w->cinfo.image_height = height;
  w->cinfo.input_components = 3;
  w->cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&w->cinfo);
  jpeg_set_quality(&w->cinfo, quality, TRUE);
  w->cinfo.dct_method = JDCT_ISLOW;
  jpeg_start_compress(&w->cinfo, TRUE);
  return 0;
}

/* Encodes count rows from rows, pitch bytes apart. 0, or -1. */
int fc_out_write(struct fc_out *w, const unsigned char *rows, size_t pitch, unsigned count) {
  JSAMPROW batch[16];
  volatile unsigned done = 0;
  if (setjmp(w->error.jump)) return -1;
  while (done < count) {
    unsigned want = count - done, got, i;
    if (want > 16) want = 16;
    /* libjpeg reads the rows and never writes them; its API just lacks the const. */
    for (i = 0; i < want; i++) batch[i] = (JSAMPROW)(rows + (size_t)(done + i) * pitch);
    got = jpeg_write_scanlines(&w->cinfo, batch, want);
    if (got == 0) return -1; /* more rows than the picture has */
    done += got;
  }
  return 0;
}

/* Ends the file; *data and *size then describe it until fc_out_free. 0, or -1. */
int fc_out_finish(struct fc_out *w, const unsigned char **data, size_t *size) {
  if (setjmp(w->error.jump)) return -1;
  jpeg_finish_compress(&w->cinfo);
  *data = w->buffer;
  *size = w->size;
  return 0;
}

/* What the last error was. */
const char *fc_out_message(const struct fc_out *w) { return w->error.message; }

/* Frees the writer and its output. */
void fc_out_free(struct fc_out *w) {
  if (w == NULL) return;
  jpeg_destroy_compress(&w->cinfo);
  free(w->buffer);
  free(w);
}
