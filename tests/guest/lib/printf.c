/*
 * tests/guest/lib/printf.c - printf-like formatting to COM1 or a buffer.
 *
 * Conversions d i u x X o s c p %, flags - 0 # + space, width and precision
 * (digits or *), length modifiers hh h l ll z j t. 32-bit builds divide 64-bit
 * numbers with 32-bit operations: there is no libgcc (__udivdi3) to link.
 */
#include "guest.h"

struct fmt_out {
	char *buf;              /* NULL: write to the serial port */
	size_t size;
	size_t len;             /* characters produced, even past size */
};

struct fmt_spec {
	bool left, zero, alt, plus, space, upper;
	int width;
	int prec;               /* -1: none */
};

static void out_char(struct fmt_out *o, char c)
{
	if (!o->buf)
		serial_putc(c);
	else if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_repeat(struct fmt_out *o, char c, int n)
{
	for (; n > 0; n--)
		out_char(o, c);
}

/* *n /= base, returning the remainder; base is at most 16. */
static unsigned div_base(uint64_t *n, unsigned base)
{
#ifdef __x86_64__
	unsigned r = *n % base;

	*n /= base;
	return r;
#else
	uint32_t hi = *n >> 32, lo = (uint32_t)*n;
	uint32_t qhi = hi / base, r = hi % base;
	/* Long division, 16 bits at a time: r < base <= 16, so r << 16 fits. */
	uint32_t mid = r << 16 | lo >> 16;
	uint32_t qmid = mid / base;
	uint32_t low;

	r = mid % base;
	low = r << 16 | (lo & 0xffff);
	*n = (uint64_t)qhi << 32 | qmid << 16 | low / base;
	return low % base;
#endif
}

static void out_number(struct fmt_out *o, uint64_t v, bool neg, unsigned base, const struct fmt_spec *s)
{
	const char *set = s->upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char digits[24], prefix[3];
	int nd = 0, np = 0, zeros, pad;
	bool is_zero = v == 0;

	while (v)
		digits[nd++] = set[div_base(&v, base)];
	if (is_zero && s->prec != 0)
		digits[nd++] = '0';
	if (neg)
		prefix[np++] = '-';
	else if (s->plus)
		prefix[np++] = '+';
	else if (s->space)
		prefix[np++] = ' ';
	if (s->alt && base == 16 && !is_zero) {
		prefix[np++] = '0';
		prefix[np++] = s->upper ? 'X' : 'x';
	} else if (s->alt && base == 8 && (nd == 0 || digits[nd - 1] != '0') && s->prec <= nd) {
		digits[nd++] = '0';      /* '#': the first digit is a 0 */
	}
	zeros = s->prec > nd ? s->prec - nd : 0;
	pad = s->width - np - nd - zeros;
	if (s->zero && !s->left && s->prec < 0) {
		zeros += pad > 0 ? pad : 0;
		pad = 0;
	}
	if (!s->left)
		out_repeat(o, ' ', pad);
	for (int i = 0; i < np; i++)
		out_char(o, prefix[i]);
	out_repeat(o, '0', zeros);
	while (nd)
		out_char(o, digits[--nd]);
	if (s->left)
		out_repeat(o, ' ', pad);
}

static void out_string(struct fmt_out *o, const char *str, const struct fmt_spec *s)
{
	int n = 0;

	if (!str)
		str = "(null)";
	while (str[n] && (s->prec < 0 || n < s->prec))
		n++;
	if (!s->left)
		out_repeat(o, ' ', s->width - n);
	for (int i = 0; i < n; i++)
		out_char(o, str[i]);
	if (s->left)
		out_repeat(o, ' ', s->width - n);
}

/* Parses flags, width and precision at *fmt; returns the length modifier count
 * of 'l's (2 = 64-bit), with 'z', 'j', 't' mapped to their widths. */
static int parse_spec(const char **fmt, va_list *ap, struct fmt_spec *s)
{
	const char *f = *fmt;
	int len = 0;

	*s = (struct fmt_spec){ .prec = -1 };
	for (;; f++) {
		if (*f == '-')
			s->left = true;
		else if (*f == '0')
			s->zero = true;
		else if (*f == '#')
			s->alt = true;
		else if (*f == '+')
			s->plus = true;
		else if (*f == ' ')
			s->space = true;
		else
			break;
	}
	if (*f == '*') {
		s->width = va_arg(*ap, int);
		if (s->width < 0) {
			s->left = true;
			s->width = -s->width;
		}
		f++;
	}
	while (*f >= '0' && *f <= '9')
		s->width = s->width * 10 + (*f++ - '0');
	if (*f == '.') {
		f++;
		s->prec = 0;
		if (*f == '*') {
			s->prec = va_arg(*ap, int);
			f++;
		}
		while (*f >= '0' && *f <= '9')
			s->prec = s->prec * 10 + (*f++ - '0');
	}
	for (;; f++) {
		if (*f == 'l')
			len++;
		else if (*f == 'h')
			len--;
		else if (*f == 'z' || *f == 't')
			len = sizeof(size_t) == 8 ? 2 : 1;
		else if (*f == 'j')
			len = 2;
		else
			break;
	}
	*fmt = f;
	return len;
}

static uint64_t arg_unsigned(va_list *ap, int len)
{
	if (len >= 2)
		return va_arg(*ap, unsigned long long);
	if (len == 1)
		return va_arg(*ap, unsigned long);
	if (len == -1)
		return (unsigned short)va_arg(*ap, unsigned);
	if (len <= -2)
		return (unsigned char)va_arg(*ap, unsigned);
	return va_arg(*ap, unsigned);
}

static int64_t arg_signed(va_list *ap, int len)
{
	if (len >= 2)
		return va_arg(*ap, long long);
	if (len == 1)
		return va_arg(*ap, long);
	if (len == -1)
		return (short)va_arg(*ap, int);
	if (len <= -2)
		return (signed char)va_arg(*ap, int);
	return va_arg(*ap, int);
}

static void format(struct fmt_out *o, const char *fmt, va_list ap_in)
{
	va_list ap;

	va_copy(ap, ap_in);
	while (*fmt) {
		struct fmt_spec s;
		int len;

		if (*fmt != '%') {
			out_char(o, *fmt++);
			continue;
		}
		fmt++;
		len = parse_spec(&fmt, &ap, &s);
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = arg_signed(&ap, len);

			out_number(o, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, &s);
			break;
		}
		case 'u':
			out_number(o, arg_unsigned(&ap, len), false, 10, &s);
			break;
		case 'X':
			s.upper = true;
			/* fall through */
		case 'x':
			out_number(o, arg_unsigned(&ap, len), false, 16, &s);
			break;
		case 'o':
			out_number(o, arg_unsigned(&ap, len), false, 8, &s);
			break;
		case 'p':
			s.alt = true;
			out_number(o, (unsigned long)va_arg(ap, void *), false, 16, &s);
			break;
		case 'c': {
			char c[2] = { (char)va_arg(ap, int), 0 };

			s.prec = 1;
			out_string(o, c, &s);
			break;
		}
		case 's':
			out_string(o, va_arg(ap, const char *), &s);
			break;
		case '%':
			out_char(o, '%');
			break;
		case '\0':
			va_end(ap);
			return;
		default:        /* unknown conversion: show it as written */
			out_char(o, '%');
			out_char(o, *fmt);
			break;
		}
		fmt++;
	}
	va_end(ap);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	static char empty[1];
	struct fmt_out o = { .buf = size ? buf : empty, .size = size };

	format(&o, fmt, ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int vprintf(const char *fmt, va_list ap)
{
	struct fmt_out o = { 0 };

	format(&o, fmt, ap);
	return (int)o.len;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}
