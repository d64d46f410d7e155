/* html2text - (first version: tags stripped) */
#include "config.h"

#include "buf.h"
#include "html2text.h"

int
html2text(const char *in, size_t len, struct buf *out)
{
	size_t i;
	int intag = 0;

	for (i = 0; i < len; i++) {
		if (in[i] == '<')
			intag = 1;
		else if (in[i] == '>')
			intag = 0;
		else if (!intag && buf_append(out, in + i, 1) < 0)
			return -1;
	}
	return 0;
}
