/* tokenizer_unicode.c - UTF-8 helpers and class lookup over the generated
 * range table (binary search; ASCII takes a fast path since it dominates
 * Latin text and all the regex punctuation). */
#include "tokenizer_unicode.h"

static unsigned ascii_class(uint32_t c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return TOKU_LETTER;
    if (c >= '0' && c <= '9') return TOKU_NUMBER;
    if (c == ' ' || (c >= 9 && c <= 13)) return TOKU_SPACE;
    if ((c >= 0x21 && c <= 0x2F && c != '$' && c != '+') || (c >= 0x3A && c <= 0x40 &&
        c != '<' && c != '=' && c != '>') || c == '[' || c == '\\' || c == ']' ||
        c == '_' || c == '{' || c == '}')
        return TOKU_PUNCT;
    return 0;
}

unsigned toku_class(uint32_t cp) {
    if (cp < 0x80) return ascii_class(cp);
    if (cp == TOKU_INVALID) return 0;
    unsigned lo = 0, hi = toku_n_ranges;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (cp > toku_ranges[mid].hi) lo = mid + 1;
        else if (cp < toku_ranges[mid].lo) hi = mid;
        else return toku_ranges[mid].flags;
    }
    return 0;
}

size_t toku_lead_len(unsigned char b) {
    if (b < 0x80) return 1;
    if (b >= 0xC2 && b <= 0xDF) return 2;
    if (b >= 0xE0 && b <= 0xEF) return 3;
    if (b >= 0xF0 && b <= 0xF4) return 4;
    return 0;
}

size_t toku_decode(const unsigned char *s, size_t n, uint32_t *cp) {
    unsigned char b = s[0];
    size_t len = toku_lead_len(b);
    if (len == 1) { *cp = b; return 1; }
    if (len == 0 || len > n) { *cp = TOKU_INVALID; return 1; }
    /* Second-byte ranges exclude overlongs, surrogates and > U+10FFFF. */
    unsigned char lo = 0x80, hi = 0xBF;
    if (b == 0xE0) lo = 0xA0;
    else if (b == 0xED) hi = 0x9F;
    else if (b == 0xF0) lo = 0x90;
    else if (b == 0xF4) hi = 0x8F;
    if (s[1] < lo || s[1] > hi) { *cp = TOKU_INVALID; return 1; }
    uint32_t c = b & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) { *cp = TOKU_INVALID; return 1; }
        c = (c << 6) | (s[i] & 0x3F);
    }
    *cp = c;
    return len;
}

size_t toku_encode(uint32_t cp, char *out) {
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) { o[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}
