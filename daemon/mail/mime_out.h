/* mime_out - encoders for the mail baraza writes itself (digests, notices)
 *
 * mime_qp_encode() writes a body as quoted-printable with CRLF line ends and
 * lines of at most 76 characters; mime_header_text() appends a header
 * value, RFC 2047-encoding it (UTF-8, "B") when it is not plain printable
 * ASCII, never splitting a UTF-8 sequence, folding between encoded words,
 * and dropping CR, LF and other controls so no input can add a header line.
 */
#ifndef BARAZA_MIME_OUT_H
#define BARAZA_MIME_OUT_H

#include <stddef.h>

#include "buf.h"

/* mime_qp_encode - append s (n bytes) as quoted-printable, CRLF line ends */
void mime_qp_encode(struct buf *out, const char *s, size_t n);
/* mime_header_text - append "Name: value\r\n", value encoded/folded as needed */
void mime_header_text(struct buf *out, const char *name, const char *value);
/* mime_header_addr - append "Name: display <addr>\r\n" with the display
 * name quoted or encoded; addr must already be a valid address */
void mime_header_addr(struct buf *out, const char *name, const char *display,
    const char *addr);
/* mime_boundary - a fresh random boundary string into out (>= 40 bytes) */
void mime_boundary(char *out, size_t outlen);

#endif
