/* html_fast.c - page text of MediaWiki's HTML by modelling libxml2's HTML parser, or "unsure" */
#include "html_fast.h"

#include <stdint.h>
#include <string.h>

/* SSE2 is part of x86-64: the scans go 16 bytes at a time there. Elsewhere, or built with
 * HTML_FAST_SCALAR (to test that code), they go a byte at a time. */
#if defined(__SSE2__) && !defined(HTML_FAST_SCALAR)
#include <emmintrin.h>
#define HTML_FAST_SSE2 1
#endif

/* What libxml2 2.9.14 (HTMLparser.c, htmlCtxtReadMemory with encoding "UTF-8" and lxml's options,
 * SAX only as in html_text.c) does, as modelled here:
 *
 *  - the element stack (nameTab): htmlAutoClose() with the htmlStartClose table when a start tag
 *    comes, htmlCheckImplied() (implied <html>, <head>, <body>), htmlCheckParagraph() (implied <p>
 *    before text when the current element is none, <html> or <head>), empty elements and "/>",
 *    and end tags through htmlAutoCloseOnClose()'s priorities (an end tag is ignored when its
 *    element is not open or an element of higher priority is open above it);
 *  - text: runs up to '<' or '&'; a run of blanks is "ignorable" (no implied <p>) per areBlanks(),
 *    which with no tree being built only looks at what follows and at the current element;
 *    character and entity references as htmlParseReference() gives them, unknown ones as text;
 *    '<' that starts no tag or comment is the text "<";
 *  - <style> and <script> contents are raw text up to their end tag (htmlParseScript());
 *  - comments end at the first "-->" after "<!--" (htmlParseComment()); blanks and comments
 *    before the first element are skipped (htmlParseDocument()).
 *
 * It gives up (HTML_FAST_UNSURE) on: input that is not strictly valid UTF-8, holds a NUL or a
 * control character other than tab, LF and CR, a U+FFFE/U+FFFF, or starts with a byte order mark
 * (libxml2 switches encodings or drops characters); <html>, <head>, <body>, <frameset>, <frame>,
 * <noframes> start tags and </html>, </head>, </body> end tags; <meta> with charset or
 * http-equiv; a <p> opened while another is open; tag or attribute names of 100 bytes or more,
 * names with '.' in a start tag; anything but a name, '>' or "/>" where an attribute may start;
 * a tag that the input ends in; DOCTYPE and processing instructions; "--!>" in a comment, an
 * unterminated comment; <style>/<script> contents that start with '<', end tags of those that
 * are not exactly "</style>" / "</script>", or no end tag at all; entity names that reach the end
 * of the input or a non-ASCII byte; an element stack deeper than MAX_DEPTH. */

#define MAX_DEPTH 256
#define MAX_NAME 100    /* HTML_PARSER_BUFFER_SIZE: libxml2 cuts names this long */
#define TEXT_CHUNK 1000 /* HTML_PARSER_BIG_BUFFER_SIZE: text is reported in chunks this long */

/* Element names libxml2 2.9.14 knows: html40ElementTable, plus "listing" and "xmp" that only
 * appear in its htmlStartClose table. TAG_UNKNOWN is any other name. */
enum tag_id {
    TAG_UNKNOWN = 0,
    TAG_A,
    TAG_ABBR,
    TAG_ACRONYM,
    TAG_ADDRESS,
    TAG_APPLET,
    TAG_AREA,
    TAG_B,
    TAG_BASE,
    TAG_BASEFONT,
    TAG_BDO,
    TAG_BIG,
    TAG_BLOCKQUOTE,
    TAG_BODY,
    TAG_BR,
    TAG_BUTTON,
    TAG_CAPTION,
    TAG_CENTER,
    TAG_CITE,
    TAG_CODE,
    TAG_COL,
    TAG_COLGROUP,
    TAG_DD,
    TAG_DEL,
    TAG_DFN,
    TAG_DIR,
    TAG_DIV,
    TAG_DL,
    TAG_DT,
    TAG_EM,
    TAG_EMBED,
    TAG_FIELDSET,
    TAG_FONT,
    TAG_FORM,
    TAG_FRAME,
    TAG_FRAMESET,
    TAG_H1,
    TAG_H2,
    TAG_H3,
    TAG_H4,
    TAG_H5,
    TAG_H6,
    TAG_HEAD,
    TAG_HR,
    TAG_HTML,
    TAG_I,
    TAG_IFRAME,
    TAG_IMG,
    TAG_INPUT,
    TAG_INS,
    TAG_ISINDEX,
    TAG_KBD,
    TAG_LABEL,
    TAG_LEGEND,
    TAG_LI,
    TAG_LINK,
    TAG_LISTING,
    TAG_MAP,
    TAG_MENU,
    TAG_META,
    TAG_NOFRAMES,
    TAG_NOSCRIPT,
    TAG_OBJECT,
    TAG_OL,
    TAG_OPTGROUP,
    TAG_OPTION,
    TAG_P,
    TAG_PARAM,
    TAG_PRE,
    TAG_Q,
    TAG_S,
    TAG_SAMP,
    TAG_SCRIPT,
    TAG_SELECT,
    TAG_SMALL,
    TAG_SPAN,
    TAG_STRIKE,
    TAG_STRONG,
    TAG_STYLE,
    TAG_SUB,
    TAG_SUP,
    TAG_TABLE,
    TAG_TBODY,
    TAG_TD,
    TAG_TEXTAREA,
    TAG_TFOOT,
    TAG_TH,
    TAG_THEAD,
    TAG_TITLE,
    TAG_TR,
    TAG_TT,
    TAG_U,
    TAG_UL,
    TAG_VAR,
    TAG_XMP,
    TAG_COUNT
};

/* A perfect hash of the names of up to 8 bytes (only "blockquote" is longer): tag_hash maps
 * (key * TAG_HASH_MULTIPLIER) >> (64 - TAG_HASH_BITS) to the one id it may be, tag_key holds
 * the key of every id. A key is the name lower-cased, its first byte lowest. */
#define TAG_HASH_BITS 9
#define TAG_HASH_MULTIPLIER 0xce0f7ae59abdf7a3u
static const uint8_t tag_hash[1 << TAG_HASH_BITS] = {
    [3] = TAG_ADDRESS,    [5] = TAG_ISINDEX,    [11] = TAG_DL,        [14] = TAG_SELECT,
    [28] = TAG_LINK,      [30] = TAG_KBD,       [33] = TAG_ACRONYM,   [38] = TAG_HEAD,
    [39] = TAG_A,         [54] = TAG_STRIKE,    [64] = TAG_BODY,      [74] = TAG_FIELDSET,
    [77] = TAG_P,         [90] = TAG_U,         [101] = TAG_TABLE,    [107] = TAG_SAMP,
    [110] = TAG_BDO,      [119] = TAG_SCRIPT,   [125] = TAG_IFRAME,   [126] = TAG_COL,
    [132] = TAG_LISTING,  [135] = TAG_TR,       [138] = TAG_FRAMESET, [142] = TAG_NOSCRIPT,
    [143] = TAG_LI,       [146] = TAG_CENTER,   [151] = TAG_ABBR,     [155] = TAG_FORM,
    [158] = TAG_CITE,     [165] = TAG_TITLE,    [189] = TAG_MAP,      [191] = TAG_FRAME,
    [192] = TAG_INS,      [197] = TAG_TT,       [201] = TAG_COLGROUP, [208] = TAG_BUTTON,
    [209] = TAG_SUP,      [211] = TAG_TBODY,    [214] = TAG_TD,       [228] = TAG_DEL,
    [233] = TAG_AREA,     [239] = TAG_DFN,      [250] = TAG_DIV,      [255] = TAG_TFOOT,
    [259] = TAG_DT,       [264] = TAG_I,        [271] = TAG_META,     [272] = TAG_PRE,
    [276] = TAG_DD,       [277] = TAG_BASE,     [284] = TAG_IMG,      [288] = TAG_SPAN,
    [289] = TAG_S,        [291] = TAG_DIR,      [293] = TAG_VAR,      [298] = TAG_STYLE,
    [300] = TAG_MENU,     [302] = TAG_THEAD,    [308] = TAG_CAPTION,  [310] = TAG_HR,
    [313] = TAG_APPLET,   [322] = TAG_PARAM,    [337] = TAG_TH,       [338] = TAG_FONT,
    [341] = TAG_OBJECT,   [345] = TAG_H1,       [347] = TAG_BIG,      [352] = TAG_SUB,
    [359] = TAG_OPTION,   [361] = TAG_UL,       [364] = TAG_LABEL,    [376] = TAG_H2,
    [393] = TAG_LEGEND,   [397] = TAG_BR,       [402] = TAG_STRONG,   [407] = TAG_H3,
    [417] = TAG_TEXTAREA, [425] = TAG_BASEFONT, [438] = TAG_H4,       [445] = TAG_SMALL,
    [449] = TAG_OL,       [451] = TAG_B,        [454] = TAG_EM,       [464] = TAG_NOFRAMES,
    [469] = TAG_H5,       [470] = TAG_HTML,     [486] = TAG_XMP,      [488] = TAG_OPTGROUP,
    [489] = TAG_Q,        [495] = TAG_EMBED,    [500] = TAG_H6,       [506] = TAG_INPUT,
    [508] = TAG_CODE,
};

static const uint64_t tag_key[TAG_COUNT] = {
    [TAG_A] = 0x0000000000000061u,        /* a */
    [TAG_ABBR] = 0x0000000072626261u,     /* abbr */
    [TAG_ACRONYM] = 0x006d796e6f726361u,  /* acronym */
    [TAG_ADDRESS] = 0x0073736572646461u,  /* address */
    [TAG_APPLET] = 0x000074656c707061u,   /* applet */
    [TAG_AREA] = 0x0000000061657261u,     /* area */
    [TAG_B] = 0x0000000000000062u,        /* b */
    [TAG_BASE] = 0x0000000065736162u,     /* base */
    [TAG_BASEFONT] = 0x746e6f6665736162u, /* basefont */
    [TAG_BDO] = 0x00000000006f6462u,      /* bdo */
    [TAG_BIG] = 0x0000000000676962u,      /* big */
    [TAG_BODY] = 0x0000000079646f62u,     /* body */
    [TAG_BR] = 0x0000000000007262u,       /* br */
    [TAG_BUTTON] = 0x00006e6f74747562u,   /* button */
    [TAG_CAPTION] = 0x006e6f6974706163u,  /* caption */
    [TAG_CENTER] = 0x00007265746e6563u,   /* center */
    [TAG_CITE] = 0x0000000065746963u,     /* cite */
    [TAG_CODE] = 0x0000000065646f63u,     /* code */
    [TAG_COL] = 0x00000000006c6f63u,      /* col */
    [TAG_COLGROUP] = 0x70756f72676c6f63u, /* colgroup */
    [TAG_DD] = 0x0000000000006464u,       /* dd */
    [TAG_DEL] = 0x00000000006c6564u,      /* del */
    [TAG_DFN] = 0x00000000006e6664u,      /* dfn */
    [TAG_DIR] = 0x0000000000726964u,      /* dir */
    [TAG_DIV] = 0x0000000000766964u,      /* div */
    [TAG_DL] = 0x0000000000006c64u,       /* dl */
    [TAG_DT] = 0x0000000000007464u,       /* dt */
    [TAG_EM] = 0x0000000000006d65u,       /* em */
    [TAG_EMBED] = 0x0000006465626d65u,    /* embed */
    [TAG_FIELDSET] = 0x746573646c656966u, /* fieldset */
    [TAG_FONT] = 0x00000000746e6f66u,     /* font */
    [TAG_FORM] = 0x000000006d726f66u,     /* form */
    [TAG_FRAME] = 0x000000656d617266u,    /* frame */
    [TAG_FRAMESET] = 0x746573656d617266u, /* frameset */
    [TAG_H1] = 0x0000000000003168u,       /* h1 */
    [TAG_H2] = 0x0000000000003268u,       /* h2 */
    [TAG_H3] = 0x0000000000003368u,       /* h3 */
    [TAG_H4] = 0x0000000000003468u,       /* h4 */
    [TAG_H5] = 0x0000000000003568u,       /* h5 */
    [TAG_H6] = 0x0000000000003668u,       /* h6 */
    [TAG_HEAD] = 0x0000000064616568u,     /* head */
    [TAG_HR] = 0x0000000000007268u,       /* hr */
    [TAG_HTML] = 0x000000006c6d7468u,     /* html */
    [TAG_I] = 0x0000000000000069u,        /* i */
    [TAG_IFRAME] = 0x0000656d61726669u,   /* iframe */
    [TAG_IMG] = 0x0000000000676d69u,      /* img */
    [TAG_INPUT] = 0x0000007475706e69u,    /* input */
    [TAG_INS] = 0x0000000000736e69u,      /* ins */
    [TAG_ISINDEX] = 0x007865646e697369u,  /* isindex */
    [TAG_KBD] = 0x000000000064626bu,      /* kbd */
    [TAG_LABEL] = 0x0000006c6562616cu,    /* label */
    [TAG_LEGEND] = 0x0000646e6567656cu,   /* legend */
    [TAG_LI] = 0x000000000000696cu,       /* li */
    [TAG_LINK] = 0x000000006b6e696cu,     /* link */
    [TAG_LISTING] = 0x00676e697473696cu,  /* listing */
    [TAG_MAP] = 0x000000000070616du,      /* map */
    [TAG_MENU] = 0x00000000756e656du,     /* menu */
    [TAG_META] = 0x000000006174656du,     /* meta */
    [TAG_NOFRAMES] = 0x73656d6172666f6eu, /* noframes */
    [TAG_NOSCRIPT] = 0x7470697263736f6eu, /* noscript */
    [TAG_OBJECT] = 0x00007463656a626fu,   /* object */
    [TAG_OL] = 0x0000000000006c6fu,       /* ol */
    [TAG_OPTGROUP] = 0x70756f726774706fu, /* optgroup */
    [TAG_OPTION] = 0x00006e6f6974706fu,   /* option */
    [TAG_P] = 0x0000000000000070u,        /* p */
    [TAG_PARAM] = 0x0000006d61726170u,    /* param */
    [TAG_PRE] = 0x0000000000657270u,      /* pre */
    [TAG_Q] = 0x0000000000000071u,        /* q */
    [TAG_S] = 0x0000000000000073u,        /* s */
    [TAG_SAMP] = 0x00000000706d6173u,     /* samp */
    [TAG_SCRIPT] = 0x0000747069726373u,   /* script */
    [TAG_SELECT] = 0x00007463656c6573u,   /* select */
    [TAG_SMALL] = 0x0000006c6c616d73u,    /* small */
    [TAG_SPAN] = 0x000000006e617073u,     /* span */
    [TAG_STRIKE] = 0x0000656b69727473u,   /* strike */
    [TAG_STRONG] = 0x0000676e6f727473u,   /* strong */
    [TAG_STYLE] = 0x000000656c797473u,    /* style */
    [TAG_SUB] = 0x0000000000627573u,      /* sub */
    [TAG_SUP] = 0x0000000000707573u,      /* sup */
    [TAG_TABLE] = 0x000000656c626174u,    /* table */
    [TAG_TBODY] = 0x00000079646f6274u,    /* tbody */
    [TAG_TD] = 0x0000000000006474u,       /* td */
    [TAG_TEXTAREA] = 0x6165726174786574u, /* textarea */
    [TAG_TFOOT] = 0x000000746f6f6674u,    /* tfoot */
    [TAG_TH] = 0x0000000000006874u,       /* th */
    [TAG_THEAD] = 0x0000006461656874u,    /* thead */
    [TAG_TITLE] = 0x000000656c746974u,    /* title */
    [TAG_TR] = 0x0000000000007274u,       /* tr */
    [TAG_TT] = 0x0000000000007474u,       /* tt */
    [TAG_U] = 0x0000000000000075u,        /* u */
    [TAG_UL] = 0x0000000000006c75u,       /* ul */
    [TAG_VAR] = 0x0000000000726176u,      /* var */
    [TAG_XMP] = 0x0000000000706d78u,      /* xmp */
};

/* Classes of the ASCII bytes (bytes from 0x80 are in none): htmlParseHTMLName()'s name
 * characters and first characters, IS_BLANK_CH, upper-case letters. */
enum { CC_NAME = 1, CC_NAME_START = 2, CC_BLANK = 4, CC_UPPER = 8 };
#define N CC_NAME
#define S CC_NAME_START
#define B CC_BLANK
#define U CC_UPPER
static const uint8_t char_class[256] = {
    0,         0,         0,         0,         0,         0,         0,         0,
    0,         B,         B,         0,         0,         B,         0,         0,
    0,         0,         0,         0,         0,         0,         0,         0,
    0,         0,         0,         0,         0,         0,         0,         0,
    B,         0,         0,         0,         0,         0,         0,         0,
    0,         0,         0,         0,         0,         N,         N | S,     0,
    N,         N,         N,         N,         N,         N,         N,         N,
    N,         N,         N | S,     0,         0,         0,         0,         0,
    0,         N | S | U, N | S | U, N | S | U, N | S | U, N | S | U, N | S | U, N | S | U,
    N | S | U, N | S | U, N | S | U, N | S | U, N | S | U, N | S | U, N | S | U, N | S | U,
    N | S | U, N | S | U, N | S | U, N | S | U, N | S | U, N | S | U, N | S | U, N | S | U,
    N | S | U, N | S | U, N | S | U, 0,         0,         0,         0,         N | S,
    0,         N | S,     N | S,     N | S,     N | S,     N | S,     N | S,     N | S,
    N | S,     N | S,     N | S,     N | S,     N | S,     N | S,     N | S,     N | S,
    N | S,     N | S,     N | S,     N | S,     N | S,     N | S,     N | S,     N | S,
    N | S,     N | S,     N | S,     0,         0,         0,         0,         0,
};
#undef N
#undef S
#undef B
#undef U

/* info->empty in html40ElementTable: the element ends as soon as its start tag does. */
static const uint8_t tag_empty[TAG_COUNT] = {
    [TAG_AREA] = 1,  [TAG_BASE] = 1, [TAG_BASEFONT] = 1, [TAG_BR] = 1,    [TAG_COL] = 1,
    [TAG_FRAME] = 1, [TAG_HR] = 1,   [TAG_IMG] = 1,      [TAG_INPUT] = 1, [TAG_ISINDEX] = 1,
    [TAG_LINK] = 1,  [TAG_META] = 1, [TAG_PARAM] = 1,
};

/* htmlStartClose, entry for entry: start_close[old][new] is set when a <new> start tag closes
 * an open <old>. */
static const uint8_t start_close[TAG_COUNT][TAG_COUNT] = {
    [TAG_A] = {[TAG_A] = 1, [TAG_FIELDSET] = 1, [TAG_TABLE] = 1, [TAG_TD] = 1, [TAG_TH] = 1},
    [TAG_ADDRESS] =
        {[TAG_DD] = 1, [TAG_DL] = 1, [TAG_DT] = 1, [TAG_FORM] = 1, [TAG_LI] = 1, [TAG_UL] = 1},
    [TAG_B] = {[TAG_CENTER] = 1, [TAG_P] = 1, [TAG_TD] = 1, [TAG_TH] = 1},
    [TAG_BIG] = {[TAG_P] = 1},
    [TAG_CAPTION] = {[TAG_COL] = 1,
                     [TAG_COLGROUP] = 1,
                     [TAG_TBODY] = 1,
                     [TAG_TFOOT] = 1,
                     [TAG_THEAD] = 1,
                     [TAG_TR] = 1},
    [TAG_COL] = {[TAG_COL] = 1,
                 [TAG_COLGROUP] = 1,
                 [TAG_TBODY] = 1,
                 [TAG_TFOOT] = 1,
                 [TAG_THEAD] = 1,
                 [TAG_TR] = 1},
    [TAG_COLGROUP] =
        {[TAG_COLGROUP] = 1, [TAG_TBODY] = 1, [TAG_TFOOT] = 1, [TAG_THEAD] = 1, [TAG_TR] = 1},
    [TAG_DD] = {[TAG_DT] = 1},
    [TAG_DIR] = {[TAG_DD] = 1, [TAG_DL] = 1, [TAG_DT] = 1, [TAG_FORM] = 1, [TAG_UL] = 1},
    [TAG_DL] = {[TAG_FORM] = 1, [TAG_LI] = 1},
    [TAG_DT] = {[TAG_DD] = 1, [TAG_DL] = 1},
    [TAG_FONT] = {[TAG_CENTER] = 1, [TAG_TD] = 1, [TAG_TH] = 1},
    [TAG_FORM] = {[TAG_FORM] = 1},
    [TAG_H1] = {[TAG_FIELDSET] = 1, [TAG_FORM] = 1, [TAG_LI] = 1, [TAG_P] = 1, [TAG_TABLE] = 1},
    [TAG_H2] = {[TAG_FIELDSET] = 1, [TAG_FORM] = 1, [TAG_LI] = 1, [TAG_P] = 1, [TAG_TABLE] = 1},
    [TAG_H3] = {[TAG_FIELDSET] = 1, [TAG_FORM] = 1, [TAG_LI] = 1, [TAG_P] = 1, [TAG_TABLE] = 1},
    [TAG_H4] = {[TAG_FIELDSET] = 1, [TAG_FORM] = 1, [TAG_LI] = 1, [TAG_P] = 1, [TAG_TABLE] = 1},
    [TAG_H5] = {[TAG_FIELDSET] = 1, [TAG_FORM] = 1, [TAG_LI] = 1, [TAG_P] = 1, [TAG_TABLE] = 1},
    [TAG_H6] = {[TAG_FIELDSET] = 1, [TAG_FORM] = 1, [TAG_LI] = 1, [TAG_P] = 1, [TAG_TABLE] = 1},
    [TAG_HEAD] = {[TAG_A] = 1,        [TAG_ABBR] = 1,  [TAG_ACRONYM] = 1, [TAG_ADDRESS] = 1,
                  [TAG_B] = 1,        [TAG_BDO] = 1,   [TAG_BIG] = 1,     [TAG_BLOCKQUOTE] = 1,
                  [TAG_BODY] = 1,     [TAG_BR] = 1,    [TAG_CENTER] = 1,  [TAG_CITE] = 1,
                  [TAG_CODE] = 1,     [TAG_DD] = 1,    [TAG_DFN] = 1,     [TAG_DIR] = 1,
                  [TAG_DIV] = 1,      [TAG_DL] = 1,    [TAG_DT] = 1,      [TAG_EM] = 1,
                  [TAG_FIELDSET] = 1, [TAG_FONT] = 1,  [TAG_FORM] = 1,    [TAG_FRAMESET] = 1,
                  [TAG_H1] = 1,       [TAG_H2] = 1,    [TAG_H3] = 1,      [TAG_H4] = 1,
                  [TAG_H5] = 1,       [TAG_H6] = 1,    [TAG_HR] = 1,      [TAG_I] = 1,
                  [TAG_IFRAME] = 1,   [TAG_IMG] = 1,   [TAG_KBD] = 1,     [TAG_LI] = 1,
                  [TAG_LISTING] = 1,  [TAG_MAP] = 1,   [TAG_MENU] = 1,    [TAG_OL] = 1,
                  [TAG_P] = 1,        [TAG_PRE] = 1,   [TAG_Q] = 1,       [TAG_S] = 1,
                  [TAG_SAMP] = 1,     [TAG_SMALL] = 1, [TAG_SPAN] = 1,    [TAG_STRIKE] = 1,
                  [TAG_STRONG] = 1,   [TAG_SUB] = 1,   [TAG_SUP] = 1,     [TAG_TABLE] = 1,
                  [TAG_TT] = 1,       [TAG_U] = 1,     [TAG_UL] = 1,      [TAG_VAR] = 1,
                  [TAG_XMP] = 1},
    [TAG_HR] = {[TAG_FORM] = 1},
    [TAG_I] = {[TAG_CENTER] = 1, [TAG_P] = 1, [TAG_TD] = 1, [TAG_TH] = 1},
    [TAG_LEGEND] = {[TAG_FIELDSET] = 1},
    [TAG_LI] = {[TAG_LI] = 1},
    [TAG_LINK] = {[TAG_BODY] = 1, [TAG_FRAMESET] = 1},
    [TAG_LISTING] = {[TAG_DD] = 1,
                     [TAG_DL] = 1,
                     [TAG_DT] = 1,
                     [TAG_FIELDSET] = 1,
                     [TAG_FORM] = 1,
                     [TAG_LI] = 1,
                     [TAG_TABLE] = 1,
                     [TAG_UL] = 1},
    [TAG_MENU] = {[TAG_DD] = 1, [TAG_DL] = 1, [TAG_DT] = 1, [TAG_FORM] = 1, [TAG_UL] = 1},
    [TAG_OL] = {[TAG_FORM] = 1, [TAG_UL] = 1},
    [TAG_OPTION] = {[TAG_OPTGROUP] = 1, [TAG_OPTION] = 1},
    [TAG_P] = {[TAG_ADDRESS] = 1,  [TAG_BLOCKQUOTE] = 1, [TAG_BODY] = 1,     [TAG_CAPTION] = 1,
               [TAG_CENTER] = 1,   [TAG_COL] = 1,        [TAG_COLGROUP] = 1, [TAG_DD] = 1,
               [TAG_DIR] = 1,      [TAG_DIV] = 1,        [TAG_DL] = 1,       [TAG_DT] = 1,
               [TAG_FIELDSET] = 1, [TAG_FORM] = 1,       [TAG_FRAMESET] = 1, [TAG_H1] = 1,
               [TAG_H2] = 1,       [TAG_H3] = 1,         [TAG_H4] = 1,       [TAG_H5] = 1,
               [TAG_H6] = 1,       [TAG_HEAD] = 1,       [TAG_HR] = 1,       [TAG_LI] = 1,
               [TAG_LISTING] = 1,  [TAG_MENU] = 1,       [TAG_OL] = 1,       [TAG_P] = 1,
               [TAG_PRE] = 1,      [TAG_TABLE] = 1,      [TAG_TBODY] = 1,    [TAG_TD] = 1,
               [TAG_TFOOT] = 1,    [TAG_TH] = 1,         [TAG_TITLE] = 1,    [TAG_TR] = 1,
               [TAG_UL] = 1,       [TAG_XMP] = 1},
    [TAG_PRE] = {[TAG_DD] = 1,
                 [TAG_DL] = 1,
                 [TAG_DT] = 1,
                 [TAG_FIELDSET] = 1,
                 [TAG_FORM] = 1,
                 [TAG_LI] = 1,
                 [TAG_TABLE] = 1,
                 [TAG_UL] = 1},
    [TAG_S] = {[TAG_P] = 1},
    [TAG_SCRIPT] = {[TAG_NOSCRIPT] = 1},
    [TAG_SMALL] = {[TAG_P] = 1},
    [TAG_SPAN] = {[TAG_TD] = 1, [TAG_TH] = 1},
    [TAG_STRIKE] = {[TAG_P] = 1},
    [TAG_STYLE] = {[TAG_BODY] = 1, [TAG_FRAMESET] = 1},
    [TAG_TBODY] = {[TAG_TBODY] = 1, [TAG_TFOOT] = 1},
    [TAG_TD] = {[TAG_TBODY] = 1, [TAG_TD] = 1, [TAG_TFOOT] = 1, [TAG_TH] = 1, [TAG_TR] = 1},
    [TAG_TFOOT] = {[TAG_TBODY] = 1},
    [TAG_TH] = {[TAG_TBODY] = 1, [TAG_TD] = 1, [TAG_TFOOT] = 1, [TAG_TH] = 1, [TAG_TR] = 1},
    [TAG_THEAD] = {[TAG_TBODY] = 1, [TAG_TFOOT] = 1},
    [TAG_TITLE] = {[TAG_BODY] = 1, [TAG_FRAMESET] = 1},
    [TAG_TR] = {[TAG_TBODY] = 1, [TAG_TFOOT] = 1, [TAG_TR] = 1},
    [TAG_TT] = {[TAG_P] = 1},
    [TAG_U] = {[TAG_P] = 1, [TAG_TD] = 1, [TAG_TH] = 1},
    [TAG_UL] = {[TAG_ADDRESS] = 1, [TAG_FORM] = 1, [TAG_MENU] = 1, [TAG_OL] = 1, [TAG_PRE] = 1},
    [TAG_XMP] = {[TAG_DD] = 1,
                 [TAG_DL] = 1,
                 [TAG_DT] = 1,
                 [TAG_FIELDSET] = 1,
                 [TAG_FORM] = 1,
                 [TAG_LI] = 1,
                 [TAG_TABLE] = 1,
                 [TAG_UL] = 1},
};

/* html40EntitiesTable (all names are at most 8 bytes), keyed like tag_key, without lower-casing. */
static const struct entity_key {
    uint64_t key;
    uint16_t value;
} entity_keys[] = {
    {0x0000000000006567u, 8805}, /* ge */
    {0x000000000000656cu, 8804}, /* le */
    {0x000000000000656eu, 8800}, /* ne */
    {0x0000000000006950u, 928},  /* Pi */
    {0x0000000000006958u, 926},  /* Xi */
    {0x000000000000696eu, 8715}, /* ni */
    {0x0000000000006970u, 960},  /* pi */
    {0x0000000000006978u, 958},  /* xi */
    {0x000000000000726fu, 8744}, /* or */
    {0x0000000000007467u, 62},   /* gt */
    {0x000000000000746cu, 60},   /* lt */
    {0x000000000000754du, 924},  /* Mu */
    {0x000000000000754eu, 925},  /* Nu */
    {0x000000000000756du, 956},  /* mu */
    {0x000000000000756eu, 957},  /* nu */
    {0x0000000000485445u, 208},  /* ETH */
    {0x0000000000617445u, 919},  /* Eta */
    {0x0000000000617465u, 951},  /* eta */
    {0x0000000000627573u, 8834}, /* sub */
    {0x0000000000646e61u, 8743}, /* and */
    {0x0000000000676564u, 176},  /* deg */
    {0x0000000000676572u, 174},  /* reg */
    {0x0000000000676e61u, 8736}, /* ang */
    {0x0000000000687465u, 240},  /* eth */
    {0x0000000000696843u, 935},  /* Chi */
    {0x0000000000696850u, 934},  /* Phi */
    {0x0000000000696863u, 967},  /* chi */
    {0x0000000000696870u, 966},  /* phi */
    {0x0000000000697350u, 936},  /* Psi */
    {0x0000000000697370u, 968},  /* psi */
    {0x00000000006a777au, 8205}, /* zwj */
    {0x00000000006c6d75u, 168},  /* uml */
    {0x00000000006d6973u, 8764}, /* sim */
    {0x00000000006d6c72u, 8207}, /* rlm */
    {0x00000000006d726cu, 8206}, /* lrm */
    {0x00000000006d7573u, 8721}, /* sum */
    {0x00000000006e6579u, 165},  /* yen */
    {0x00000000006f6852u, 929},  /* Rho */
    {0x00000000006f6872u, 961},  /* rho */
    {0x0000000000706163u, 8745}, /* cap */
    {0x0000000000706d61u, 38},   /* amp */
    {0x0000000000707563u, 8746}, /* cup */
    {0x0000000000707573u, 8835}, /* sup */
    {0x0000000000746e69u, 8747}, /* int */
    {0x0000000000746f6eu, 172},  /* not */
    {0x0000000000756154u, 932},  /* Tau */
    {0x0000000000756174u, 964},  /* tau */
    {0x0000000000766970u, 982},  /* piv */
    {0x0000000000796873u, 173},  /* shy */
    {0x00000000007a6f6cu, 9674}, /* loz */
    {0x0000000031707573u, 185},  /* sup1 */
    {0x0000000032707573u, 178},  /* sup2 */
    {0x0000000033707573u, 179},  /* sup3 */
    {0x0000000061726170u, 182},  /* para */
    {0x0000000061746542u, 914},  /* Beta */
    {0x000000006174655au, 918},  /* Zeta */
    {0x0000000061746562u, 946},  /* beta */
    {0x000000006174657au, 950},  /* zeta */
    {0x0000000061746f49u, 921},  /* Iota */
    {0x0000000061746f69u, 953},  /* iota */
    {0x000000006275736eu, 8836}, /* nsub */
    {0x0000000063726963u, 710},  /* circ */
    {0x00000000646f7270u, 8719}, /* prod */
    {0x0000000065627573u, 8838}, /* sube */
    {0x0000000065707573u, 8839}, /* supe */
    {0x000000006664726fu, 170},  /* ordf */
    {0x00000000666f6e66u, 402},  /* fnof */
    {0x00000000676e616cu, 9001}, /* lang */
    {0x00000000676e6172u, 9002}, /* rang */
    {0x00000000676e6f63u, 8773}, /* cong */
    {0x000000006a6e777au, 8204}, /* zwnj */
    {0x000000006c616572u, 8476}, /* real */
    {0x000000006c6c7562u, 8226}, /* bull */
    {0x000000006c6d7541u, 196},  /* Auml */
    {0x000000006c6d7545u, 203},  /* Euml */
    {0x000000006c6d7549u, 207},  /* Iuml */
    {0x000000006c6d754fu, 214},  /* Ouml */
    {0x000000006c6d7555u, 220},  /* Uuml */
    {0x000000006c6d7559u, 376},  /* Yuml */
    {0x000000006c6d7561u, 228},  /* auml */
    {0x000000006c6d7565u, 235},  /* euml */
    {0x000000006c6d7569u, 239},  /* iuml */
    {0x000000006c6d756fu, 246},  /* ouml */
    {0x000000006c6d7575u, 252},  /* uuml */
    {0x000000006c6d7579u, 255},  /* yuml */
    {0x000000006d64726fu, 186},  /* ordm */
    {0x000000006e697369u, 8712}, /* isin */
    {0x000000006f727565u, 8364}, /* euro */
    {0x00000000706f7270u, 8733}, /* prop */
    {0x0000000070726570u, 8869}, /* perp */
    {0x000000007073626eu, 160},  /* nbsp */
    {0x0000000070736d65u, 8195}, /* emsp */
    {0x0000000070736e65u, 8194}, /* ensp */
    {0x000000007263616du, 175},  /* macr */
    {0x0000000072724164u, 8659}, /* dArr */
    {0x0000000072724168u, 8660}, /* hArr */
    {0x000000007272416cu, 8656}, /* lArr */
    {0x0000000072724172u, 8658}, /* rArr */
    {0x0000000072724175u, 8657}, /* uArr */
    {0x0000000072726164u, 8595}, /* darr */
    {0x0000000072726168u, 8596}, /* harr */
    {0x000000007272616cu, 8592}, /* larr */
    {0x0000000072726172u, 8594}, /* rarr */
    {0x0000000072726175u, 8593}, /* uarr */
    {0x00000000736f7061u, 39},   /* apos */
    {0x0000000074636573u, 167},  /* sect */
    {0x00000000746e6563u, 162},  /* cent */
    {0x00000000746f6473u, 8901}, /* sdot */
    {0x00000000746f7571u, 34},   /* quot */
    {0x0000000074726170u, 8706}, /* part */
    {0x0000000079706f63u, 169},  /* copy */
    {0x0000004e524f4854u, 222},  /* THORN */
    {0x0000006167656d4fu, 937},  /* Omega */
    {0x0000006167656d6fu, 969},  /* omega */
    {0x0000006168706c41u, 913},  /* Alpha */
    {0x0000006168706c61u, 945},  /* alpha */
    {0x000000616c62616eu, 8711}, /* nabla */
    {0x000000616d676953u, 931},  /* Sigma */
    {0x000000616d676973u, 963},  /* sigma */
    {0x000000616d6d6147u, 915},  /* Gamma */
    {0x000000616d6d6167u, 947},  /* gamma */
    {0x000000617070614bu, 922},  /* Kappa */
    {0x000000617070616bu, 954},  /* kappa */
    {0x0000006174656854u, 920},  /* Theta */
    {0x0000006174656874u, 952},  /* theta */
    {0x00000061746c6544u, 916},  /* Delta */
    {0x00000061746c6564u, 948},  /* delta */
    {0x0000006369646172u, 8730}, /* radic */
    {0x0000006372696341u, 194},  /* Acirc */
    {0x0000006372696345u, 202},  /* Ecirc */
    {0x0000006372696349u, 206},  /* Icirc */
    {0x000000637269634fu, 212},  /* Ocirc */
    {0x0000006372696355u, 219},  /* Ucirc */
    {0x0000006372696361u, 226},  /* acirc */
    {0x0000006372696365u, 234},  /* ecirc */
    {0x0000006372696369u, 238},  /* icirc */
    {0x000000637269636fu, 244},  /* ocirc */
    {0x0000006372696375u, 251},  /* ucirc */
    {0x000000646e756f70u, 163},  /* pound */
    {0x0000006564617274u, 8482}, /* trade */
    {0x00000065646c6974u, 732},  /* tilde */
    {0x0000006567616d69u, 8465}, /* image */
    {0x000000656d697250u, 8243}, /* Prime */
    {0x000000656d697270u, 8242}, /* prime */
    {0x000000656e696c6fu, 8254}, /* oline */
    {0x0000006574756361u, 180},  /* acute */
    {0x00000067696c4541u, 198},  /* AElig */
    {0x00000067696c454fu, 338},  /* OElig */
    {0x00000067696c6561u, 230},  /* aelig */
    {0x00000067696c656fu, 339},  /* oelig */
    {0x00000067696c7a73u, 223},  /* szlig */
    {0x000000676e697241u, 197},  /* Aring */
    {0x000000676e697261u, 229},  /* aring */
    {0x0000006869737075u, 978},  /* upsih */
    {0x000000687361646du, 8212}, /* mdash */
    {0x000000687361646eu, 8211}, /* ndash */
    {0x0000006c63786569u, 161},  /* iexcl */
    {0x0000006c69646563u, 184},  /* cedil */
    {0x0000006c6965636cu, 8968}, /* lceil */
    {0x0000006c69656372u, 8969}, /* rceil */
    {0x0000006c73617266u, 8260}, /* frasl */
    {0x0000006e69666e69u, 8734}, /* infin */
    {0x0000006e69746f6eu, 8713}, /* notin */
    {0x0000006e726f6874u, 254},  /* thorn */
    {0x0000006f7263696du, 181},  /* micro */
    {0x0000006f7571616cu, 171},  /* laquo */
    {0x0000006f75716172u, 187},  /* raquo */
    {0x0000006f75716273u, 8218}, /* sbquo */
    {0x0000006f75716462u, 8222}, /* bdquo */
    {0x0000006f7571646cu, 8220}, /* ldquo */
    {0x0000006f75716472u, 8221}, /* rdquo */
    {0x0000006f7571736cu, 8216}, /* lsquo */
    {0x0000006f75717372u, 8217}, /* rsquo */
    {0x000000706d797361u, 8776}, /* asymp */
    {0x0000007272617263u, 8629}, /* crarr */
    {0x0000007362756c63u, 9827}, /* clubs */
    {0x00000073656d6974u, 215},  /* times */
    {0x000000736d616964u, 9830}, /* diams */
    {0x00000073756c706fu, 8853}, /* oplus */
    {0x00000073756e696du, 8722}, /* minus */
    {0x0000007473697865u, 8707}, /* exist */
    {0x0000007669757165u, 8801}, /* equiv */
    {0x0000007974706d65u, 8709}, /* empty */
    {0x0000323163617266u, 189},  /* frac12 */
    {0x0000343163617266u, 188},  /* frac14 */
    {0x0000343363617266u, 190},  /* frac34 */
    {0x0000346572656874u, 8756}, /* there4 */
    {0x00006164626d614cu, 923},  /* Lambda */
    {0x00006164626d616cu, 955},  /* lambda */
    {0x0000656469766964u, 247},  /* divide */
    {0x000065646c697441u, 195},  /* Atilde */
    {0x000065646c69744eu, 209},  /* Ntilde */
    {0x000065646c69744fu, 213},  /* Otilde */
    {0x000065646c697461u, 227},  /* atilde */
    {0x000065646c69746eu, 241},  /* ntilde */
    {0x000065646c69746fu, 245},  /* otilde */
    {0x0000657475636141u, 193},  /* Aacute */
    {0x0000657475636145u, 201},  /* Eacute */
    {0x0000657475636149u, 205},  /* Iacute */
    {0x000065747563614fu, 211},  /* Oacute */
    {0x0000657475636155u, 218},  /* Uacute */
    {0x0000657475636159u, 221},  /* Yacute */
    {0x0000657475636161u, 225},  /* aacute */
    {0x0000657475636165u, 233},  /* eacute */
    {0x0000657475636169u, 237},  /* iacute */
    {0x000065747563616fu, 243},  /* oacute */
    {0x0000657475636175u, 250},  /* uacute */
    {0x0000657475636179u, 253},  /* yacute */
    {0x0000657661726741u, 192},  /* Agrave */
    {0x0000657661726745u, 200},  /* Egrave */
    {0x0000657661726749u, 204},  /* Igrave */
    {0x000065766172674fu, 210},  /* Ograve */
    {0x0000657661726755u, 217},  /* Ugrave */
    {0x0000657661726761u, 224},  /* agrave */
    {0x0000657661726765u, 232},  /* egrave */
    {0x0000657661726769u, 236},  /* igrave */
    {0x000065766172676fu, 242},  /* ograve */
    {0x0000657661726775u, 249},  /* ugrave */
    {0x000066616d676973u, 962},  /* sigmaf */
    {0x00006873616c734fu, 216},  /* Oslash */
    {0x00006873616c736fu, 248},  /* oslash */
    {0x00006c6964656343u, 199},  /* Ccedil */
    {0x00006c6964656363u, 231},  /* ccedil */
    {0x00006c696d726570u, 8240}, /* permil */
    {0x00006c6c61726f66u, 8704}, /* forall */
    {0x00006e6572727563u, 164},  /* curren */
    {0x00006e6d73756c70u, 177},  /* plusmn */
    {0x00006e6f72616353u, 352},  /* Scaron */
    {0x00006e6f72616373u, 353},  /* scaron */
    {0x00006f757161736cu, 8249}, /* lsaquo */
    {0x00006f7571617372u, 8250}, /* rsaquo */
    {0x000070696c6c6568u, 8230}, /* hellip */
    {0x0000707265696577u, 8472}, /* weierp */
    {0x000070736e696874u, 8201}, /* thinsp */
    {0x0000726162767262u, 166},  /* brvbar */
    {0x0000726567676144u, 8225}, /* Dagger */
    {0x0000726567676164u, 8224}, /* dagger */
    {0x0000726f6f6c666cu, 8970}, /* lfloor */
    {0x0000726f6f6c6672u, 8971}, /* rfloor */
    {0x0000736564617073u, 9824}, /* spades */
    {0x000073656d69746fu, 8855}, /* otimes */
    {0x0000737472616568u, 9829}, /* hearts */
    {0x0000746f6464696du, 183},  /* middot */
    {0x0000747361776f6cu, 8727}, /* lowast */
    {0x0000747365757169u, 191},  /* iquest */
    {0x006d797366656c61u, 8501}, /* alefsym */
    {0x006e6f6c69737045u, 917},  /* Epsilon */
    {0x006e6f6c69737055u, 933},  /* Upsilon */
    {0x006e6f6c69737065u, 949},  /* epsilon */
    {0x006e6f6c69737075u, 965},  /* upsilon */
    {0x006e6f7263696d4fu, 927},  /* Omicron */
    {0x006e6f7263696d6fu, 959},  /* omicron */
    {0x6d79736174656874u, 977},  /* thetasym */
};

/* htmlGetEndPriority(): an end tag only closes elements of lower or equal priority. */
static int end_priority(uint8_t id)
{
    switch (id) {
    case TAG_DIV:
        return 150;
    case TAG_TD:
    case TAG_TH:
        return 160;
    case TAG_TR:
        return 170;
    case TAG_THEAD:
    case TAG_TBODY:
    case TAG_TFOOT:
        return 180;
    case TAG_TABLE:
        return 190;
    case TAG_HEAD:
    case TAG_BODY:
        return 200;
    case TAG_HTML:
        return 220;
    default:
        return 100;
    }
}

static int is_letter(unsigned c)
{
    return (c | 0x20) - 'a' < 26;
}

static int is_digit(unsigned c)
{
    return c - '0' < 10;
}

/* IS_BLANK_CH */
static int is_blank(unsigned c)
{
    return char_class[c] & CC_BLANK;
}

/* htmlParseHTMLName(): what a tag or attribute name starts with, and is made of. */
static int is_name_start(unsigned c)
{
    return char_class[c] & CC_NAME_START;
}

static int is_name_char(unsigned c)
{
    return char_class[c] & CC_NAME;
}

/* IS_CHAR: the code points libxml2 keeps. */
static int is_xml_char(uint32_t c)
{
    if (c < 0x20)
        return c == 0x9 || c == 0xA || c == 0xD;
    return c <= 0xD7FF || (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

/* The end of the name at p (htmlParseHTMLName()'s characters, possibly none). *key gets its
 * first 8 bytes lower-cased, packed as tag_key is. */
static const unsigned char *scan_name(const unsigned char *p, const unsigned char *end,
                                      uint64_t *key)
{
    uint64_t k = 0;
    unsigned shift = 0;
    while (p < end && is_name_char(*p)) {
        if (shift < 64) {
            unsigned c = *p | (char_class[*p] & CC_UPPER ? 0x20 : 0);
            k |= (uint64_t)c << shift;
            shift += 8;
        }
        p++;
    }
    *key = k;
    return p;
}

/* The element a name names, from its key (scan_name()) and its bytes. */
static uint8_t tag_lookup(uint64_t key, const unsigned char *name, size_t len)
{
    if (len > 8) {
        static const char blockquote[] = "blockquote";
        if (len != sizeof blockquote - 1)
            return TAG_UNKNOWN;
        for (size_t i = 0; i < len; i++)
            if ((name[i] | 0x20) != (unsigned char)blockquote[i])
                return TAG_UNKNOWN;
        return TAG_BLOCKQUOTE;
    }
    uint8_t id = tag_hash[(key * TAG_HASH_MULTIPLIER) >> (64 - TAG_HASH_BITS)];
    return tag_key[id] == key ? id : TAG_UNKNOWN;
}

/* htmlEntityLookup() (case-sensitive); 0 when the name is not an HTML 4 entity. */
static uint32_t entity_lookup(const unsigned char *name, size_t len)
{
    if (len > 8)
        return 0;
    uint64_t key = 0;
    for (size_t i = 0; i < len; i++)
        key |= (uint64_t)name[i] << (8 * i);
    size_t lo = 0, hi = sizeof entity_keys / sizeof entity_keys[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (entity_keys[mid].key == key)
            return entity_keys[mid].value;
        if (entity_keys[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static int ascii_caseeq(const unsigned char *a, const char *b, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned c = a[i];
        if (c - 'A' < 26)
            c |= 0x20;
        if (c != (unsigned char)b[i])
            return 0;
    }
    return 1;
}

/* The first '<' or '&' in [p, end), or end: where text stops. */
static const unsigned char *find_markup(const unsigned char *p, const unsigned char *end)
{
#ifdef HTML_FAST_SSE2
    const __m128i lt = _mm_set1_epi8('<'), amp = _mm_set1_epi8('&');
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned hits = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(v, lt), _mm_cmpeq_epi8(v, amp)));
        if (hits != 0)
            return p + __builtin_ctz(hits);
        p += 16;
    }
#endif
    while (p < end && *p != '<' && *p != '&')
        p++;
    return p;
}

/* Copy n bytes from src to dst with every '\n' turned into '.', the notebook's final
 * .replace("\n", "."), which commutes with the join since the " " separators hold no newline. */
static void copy_dotted(char *dst, const unsigned char *src, size_t n)
{
    size_t i = 0;
#ifdef HTML_FAST_SSE2
    const __m128i newline = _mm_set1_epi8('\n'), flip = _mm_set1_epi8('\n' ^ '.');
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(src + i));
        v = _mm_xor_si128(v, _mm_and_si128(_mm_cmpeq_epi8(v, newline), flip));
        _mm_storeu_si128((__m128i *)(void *)(dst + i), v);
    }
#endif
    for (; i < n; i++)
        dst[i] = src[i] == '\n' ? '.' : (char)src[i];
}

/* The length of the run of ASCII bytes from 0x20, tab, LF and CR at p, a multiple of 16 (or of
 * 8 without SSE2): the bulk of the input, checked wholesale before the rest byte by byte. */
static size_t plain_ascii_prefix(const unsigned char *p, const unsigned char *end)
{
    const unsigned char *start = p;
#ifdef HTML_FAST_SSE2
    const __m128i space = _mm_set1_epi8(0x20), tab = _mm_set1_epi8('\t');
    const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        /* signed compare: bytes from 0x80 count as below 0x20 too, and end the run */
        __m128i low = _mm_cmplt_epi8(v, space);
        __m128i allowed = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, tab), _mm_cmpeq_epi8(v, lf)),
                                       _mm_cmpeq_epi8(v, cr));
        if (_mm_movemask_epi8(_mm_andnot_si128(allowed, low)) != 0)
            break;
        p += 16;
    }
#else
    const uint64_t high = 0x8080808080808080u;
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, sizeof w);
        /* no byte from 0x80, none below 0x20; the test may flag a good byte (a borrow), never
         * miss a bad one */
        if ((w & high) != 0 || ((w - 0x2020202020202020u) & ~w & high) != 0)
            break;
        p += 8;
    }
#endif
    return (size_t)(p - start);
}

/* Past the character at p when it is one input_is_plain() accepts, else NULL. */
static const unsigned char *next_plain_char(const unsigned char *p, const unsigned char *end)
{
    unsigned c = *p;
    if (c < 0x80)
        return c >= 0x20 || c == '\t' || c == '\n' || c == '\r' ? p + 1 : NULL;
    size_t n;
    unsigned lo = 0x80, hi = 0xBF; /* the range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return NULL;
    }
    if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
        return NULL;
    for (size_t i = 2; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return NULL;
    if (n == 3 && c == 0xEF && p[1] == 0xBF && p[2] >= 0xBE)
        return NULL; /* U+FFFE, U+FFFF */
    return p + n;
}

/* Strict UTF-8 without NUL, control characters other than tab, LF and CR, surrogates, U+FFFE and
 * U+FFFF, and no byte order mark: on such input libxml2 neither switches encodings nor drops
 * characters, so every byte reaches the text as it is. */
static int input_is_plain(const unsigned char *p, const unsigned char *end)
{
    if (end - p >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        return 0;
    while (p < end) {
        p += plain_ascii_prefix(p, end);
        /* then byte by byte for a while: text in a non-Latin script has few ASCII runs */
        const unsigned char *stop = end - p > 16 ? p + 16 : end;
        while (p < stop) {
            p = next_plain_char(p, end);
            if (p == NULL)
                return 0;
        }
    }
    return 1;
}

struct elem {
    const unsigned char *name; /* for TAG_UNKNOWN: the name in the input (any case) */
    size_t len;
    uint8_t id;
};

struct scan {
    const unsigned char *end;
    struct wc_buf *out;
    int html_level; /* ctxt->html: 1, then 3 once a <head> was pushed, 10 once a <body> was */
    int in_p;       /* a <p> is open (never more than one: a nested <p> makes us unsure) */
    size_t depth;
    struct elem stack[MAX_DEPTH];
};

static int top_is(const struct scan *s, uint8_t id)
{
    return s->depth > 0 && s->stack[s->depth - 1].id == id;
}

/* Room for n more bytes of output. */
static int out_room(struct wc_buf *b, size_t n)
{
    if (b->cap - b->len > n)
        return 0;
    return wc_buf_reserve(b, n);
}

/* Characters reported while a <p> is open are its text; '\n' becomes '.' as in html_text.c. */
static int emit(struct scan *s, const unsigned char *text, size_t n)
{
    if (!s->in_p || n == 0)
        return 0;
    if (out_room(s->out, n) != 0)
        return WC_ENOMEM;
    copy_dotted(s->out->data + s->out->len, text, n);
    s->out->len += n;
    s->out->data[s->out->len] = '\0';
    return 0;
}

/* A code point as htmlParseReference() writes it (always a valid one here). */
static int emit_code_point(struct scan *s, uint32_t c)
{
    unsigned char u[4];
    size_t n;
    if (c < 0x80) {
        u[0] = (unsigned char)c;
        n = 1;
    } else if (c < 0x800) {
        u[0] = (unsigned char)(0xC0 | (c >> 6));
        u[1] = (unsigned char)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        u[0] = (unsigned char)(0xE0 | (c >> 12));
        u[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        u[2] = (unsigned char)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        u[0] = (unsigned char)(0xF0 | (c >> 18));
        u[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
        u[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        u[3] = (unsigned char)(0x80 | (c & 0x3F));
        n = 4;
    }
    return emit(s, u, n);
}

/* htmlnamePush() and the startElement callback of html_text.c. */
static int push(struct scan *s, uint8_t id, const unsigned char *name, size_t len)
{
    if (s->depth == MAX_DEPTH)
        return HTML_FAST_UNSURE;
    if (id == TAG_HEAD && s->html_level < 3)
        s->html_level = 3;
    if (id == TAG_BODY && s->html_level < 10)
        s->html_level = 10;
    s->stack[s->depth].id = id;
    s->stack[s->depth].name = name;
    s->stack[s->depth].len = len;
    s->depth++;
    if (id != TAG_P)
        return 0;
    if (s->in_p)
        return HTML_FAST_UNSURE;
    s->in_p = 1;
    if (out_room(s->out, 1) != 0)
        return WC_ENOMEM;
    s->out->data[s->out->len++] = ' ';
    s->out->data[s->out->len] = '\0';
    return 0;
}

/* htmlnamePop() and the endElement callback. */
static void pop(struct scan *s)
{
    s->depth--;
    if (s->stack[s->depth].id == TAG_P)
        s->in_p = 0;
}

/* htmlAutoClose(): a <newtag> start tag closes the open elements the htmlStartClose table names. */
static void auto_close(struct scan *s, uint8_t newtag)
{
    while (s->depth > 0) {
        uint8_t old = s->stack[s->depth - 1].id;
        if (!start_close[old][newtag])
            break;
        pop(s);
    }
}

/* htmlCheckImplied() */
static int check_implied(struct scan *s, uint8_t newtag)
{
    int rc;
    if (newtag == TAG_HTML)
        return 0;
    if (s->depth == 0) {
        rc = push(s, TAG_HTML, NULL, 0);
        if (rc != 0)
            return rc;
    }
    if (newtag == TAG_BODY || newtag == TAG_HEAD)
        return 0;
    if (s->depth <= 1 && (newtag == TAG_SCRIPT || newtag == TAG_STYLE || newtag == TAG_META ||
                          newtag == TAG_LINK || newtag == TAG_TITLE || newtag == TAG_BASE)) {
        if (s->html_level >= 3)
            return 0;
        return push(s, TAG_HEAD, NULL, 0);
    }
    if (newtag == TAG_NOFRAMES || newtag == TAG_FRAME || newtag == TAG_FRAMESET)
        return 0;
    if (s->html_level >= 10)
        return 0;
    for (size_t i = 0; i < s->depth; i++)
        if (s->stack[i].id == TAG_BODY || s->stack[i].id == TAG_HEAD)
            return 0;
    return push(s, TAG_BODY, NULL, 0);
}

/* htmlCheckParagraph(): text where no element, <html> or <head> is current implies a <p>. */
static int check_paragraph(struct scan *s)
{
    if (s->depth > 0 && !top_is(s, TAG_HTML) && !top_is(s, TAG_HEAD))
        return 0;
    auto_close(s, TAG_P);
    int rc = check_implied(s, TAG_P);
    if (rc != 0)
        return rc;
    return push(s, TAG_P, NULL, 0);
}

static const unsigned char *skip_blanks(const unsigned char *p, const unsigned char *end)
{
    while (p < end && is_blank(*p))
        p++;
    return p;
}

static int starts_comment(const unsigned char *p, const unsigned char *end)
{
    return end - p >= 4 && p[0] == '<' && p[1] == '!' && p[2] == '-' && p[3] == '-';
}

/* The end of the comment at p ("<!--"), or NULL when unsure. htmlParseComment() ends it at the
 * first "-->" (or "--!>", not modelled) that starts at least 4 bytes in. */
static const unsigned char *comment_end(const unsigned char *p, const unsigned char *end)
{
    const unsigned char *q = p + 4;
    while (q < end) {
        q = memchr(q, '-', (size_t)(end - q));
        if (q == NULL || end - q < 3)
            return NULL;
        if (q[1] == '-') {
            if (q[2] == '>')
                return q + 3;
            if (q[2] == '!')
                return NULL;
        }
        q++;
    }
    return NULL;
}

/* "<!DOCTYPE", in any case, as htmlParseDocument() and htmlParseContentInternal() look for it. */
static int starts_doctype(const unsigned char *p, const unsigned char *end)
{
    return end - p >= 9 && p[0] == '<' && p[1] == '!' && ascii_caseeq(p + 2, "doctype", 7);
}

/* Blanks, comments and (unsure) processing instructions before the content. */
static const unsigned char *skip_misc(const unsigned char *p, const unsigned char *end)
{
    for (;;) {
        if (starts_comment(p, end)) {
            p = comment_end(p, end);
            if (p == NULL)
                return NULL;
        } else if (end - p >= 2 && p[0] == '<' && p[1] == '?') {
            return NULL;
        } else {
            return p;
        }
        p = skip_blanks(p, end);
    }
}

/* A start tag at p ('<' and a letter): htmlParseStartTag() and htmlParseElementInternal().
 * Sets *next past the tag and *raw when a <style> or <script> element's contents follow. */
static int start_tag(struct scan *s, const unsigned char *p, const unsigned char **next, int *raw)
{
    const unsigned char *end = s->end;
    const unsigned char *name = p + 1;
    uint64_t key;
    const unsigned char *t = scan_name(name, end, &key);
    size_t len = (size_t)(t - name);
    /* htmlParseHTMLName_nonInvasive(), used for the first auto-close, stops at '.' */
    if (len >= MAX_NAME || memchr(name, '.', len) != NULL)
        return HTML_FAST_UNSURE;
    uint8_t id = tag_lookup(key, name, len);
    switch (id) {
    case TAG_HTML:
    case TAG_HEAD:
    case TAG_BODY:
    case TAG_FRAMESET:
    case TAG_FRAME:
    case TAG_NOFRAMES:
        return HTML_FAST_UNSURE;
    default:
        break;
    }
    auto_close(s, id);
    int rc = check_implied(s, id);
    if (rc != 0)
        return rc;

    int self_closing;
    for (;;) {
        t = skip_blanks(t, end);
        if (t == end)
            return HTML_FAST_UNSURE;
        if (*t == '>') {
            t++;
            self_closing = 0;
            break;
        }
        if (*t == '/' && end - t >= 2 && t[1] == '>') {
            t += 2;
            self_closing = 1;
            break;
        }
        if (!is_name_start(*t))
            return HTML_FAST_UNSURE;
        const unsigned char *attr = t;
        while (t < end && is_name_char(*t))
            t++;
        size_t attr_len = (size_t)(t - attr);
        if (attr_len >= MAX_NAME)
            return HTML_FAST_UNSURE;
        /* htmlCheckMeta() may switch encodings */
        if (id == TAG_META && ((attr_len == 7 && ascii_caseeq(attr, "charset", 7)) ||
                               (attr_len == 10 && ascii_caseeq(attr, "http-equiv", 10))))
            return HTML_FAST_UNSURE;
        t = skip_blanks(t, end);
        if (t == end || *t != '=')
            continue;
        t = skip_blanks(t + 1, end);
        if (t < end && (*t == '"' || *t == '\'')) {
            const unsigned char *close = memchr(t + 1, *t, (size_t)(end - t - 1));
            if (close == NULL)
                return HTML_FAST_UNSURE;
            t = close + 1;
        } else {
            /* unquoted: up to a blank or '>' (references in it never pass either) */
            while (t < end && !is_blank(*t) && *t != '>')
                t++;
        }
    }

    rc = push(s, id, name, len);
    if (rc != 0)
        return rc;
    *raw = 0;
    if (self_closing || tag_empty[id])
        pop(s);
    else if (id == TAG_STYLE || id == TAG_SCRIPT)
        *raw = 1;
    *next = t;
    return 0;
}

static int same_element(const struct elem *e, uint8_t id, const unsigned char *name, size_t len)
{
    if (e->id != id)
        return 0;
    if (id != TAG_UNKNOWN)
        return 1;
    if (e->len != len)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned a = e->name[i], b = name[i];
        if (a - 'A' < 26)
            a |= 0x20;
        if (b - 'A' < 26)
            b |= 0x20;
        if (a != b)
            return 0;
    }
    return 1;
}

/* An end tag at p ("</"): htmlParseEndTag() with htmlAutoCloseOnClose(). */
static int end_tag(struct scan *s, const unsigned char *p, const unsigned char **next)
{
    const unsigned char *end = s->end;
    const unsigned char *name = p + 2, *t = name;
    if (t == end || !is_name_start(*t)) {
        *next = t; /* no name: "</" is dropped, what follows is content */
        return 0;
    }
    uint64_t key;
    t = scan_name(name, end, &key);
    size_t len = (size_t)(t - name);
    if (len >= MAX_NAME)
        return HTML_FAST_UNSURE;
    uint8_t id = tag_lookup(key, name, len);
    if (id == TAG_HTML || id == TAG_HEAD || id == TAG_BODY)
        return HTML_FAST_UNSURE;
    t = skip_blanks(t, end);
    if (t < end && *t == '>') {
        t++;
    } else {
        const unsigned char *gt = memchr(t, '>', (size_t)(end - t));
        t = gt != NULL ? gt + 1 : end;
    }
    *next = t;

    size_t i = s->depth;
    while (i > 0 && !same_element(&s->stack[i - 1], id, name, len))
        i--;
    if (i == 0)
        return 0; /* not open: ignored */
    int priority = end_priority(id);
    for (size_t j = i; j < s->depth; j++)
        if (end_priority(s->stack[j].id) > priority)
            return 0; /* would close an element of higher priority: ignored */
    while (s->depth >= i)
        pop(s);
    return 0;
}

/* A reference at p ('&'): htmlParseReference(). */
static int reference(struct scan *s, const unsigned char *p, const unsigned char **next)
{
    const unsigned char *end = s->end;
    const unsigned char *t = p + 1;
    int rc;
    if (t < end && *t == '#') {
        /* htmlParseCharRef(): digits up to ';' (kept when present), no value past 0x10FFFF */
        uint32_t val = 0;
        t++;
        if (t < end && (*t == 'x' || *t == 'X')) {
            for (t++; t < end && *t != ';'; t++) {
                unsigned c = *t, d;
                if (is_digit(c))
                    d = c - '0';
                else if ((c | 0x20) - 'a' < 6)
                    d = (c | 0x20) - 'a' + 10;
                else
                    break;
                if (val < 0x110000)
                    val = val * 16 + d;
            }
        } else {
            for (; t < end && *t != ';'; t++) {
                if (!is_digit(*t))
                    break;
                if (val < 0x110000)
                    val = val * 10 + (*t - '0');
            }
        }
        if (t < end && *t == ';')
            t++;
        *next = t;
        if (!is_xml_char(val))
            return 0; /* dropped */
        rc = check_paragraph(s);
        return rc != 0 ? rc : emit_code_point(s, val);
    }
    /* htmlParseEntityRef() with htmlParseName()'s ASCII path */
    if (t < end && *t >= 0x80)
        return HTML_FAST_UNSURE;
    if (t == end || !(is_letter(*t) || *t == '_' || *t == ':')) {
        *next = t; /* no name: a lone '&' */
        rc = check_paragraph(s);
        return rc != 0 ? rc : emit(s, p, 1);
    }
    while (t < end && is_name_char(*t))
        t++;
    if (t == end || *t >= 0x80)
        return HTML_FAST_UNSURE;
    rc = check_paragraph(s);
    if (rc != 0)
        return rc;
    if (*t == ';') {
        uint32_t val = entity_lookup(p + 1, (size_t)(t - p - 1));
        if (val != 0) {
            *next = t + 1;
            return emit_code_point(s, val);
        }
    }
    /* unknown, or no ';': "&name" as text, the ';' left to the text that follows */
    *next = t;
    return emit(s, p, (size_t)(t - p));
}

/* Text at p up to '<', '&' or the end: htmlParseCharData(). */
static int text(struct scan *s, const unsigned char *p, const unsigned char **next)
{
    const unsigned char *end = s->end, *q = find_markup(p, end);
    *next = q;
    if (s->depth == 0 || top_is(s, TAG_HTML) || top_is(s, TAG_HEAD)) {
        /* areBlanks(): a run of blanks shorter than one chunk that the end of the input or a '<'
         * follows is ignorable here, and then implies no <p>. */
        const unsigned char *b = p;
        while (b < q && is_blank(*b))
            b++;
        if (!(b == q && q - p < TEXT_CHUNK && (q == end || *q == '<'))) {
            int rc = check_paragraph(s);
            if (rc != 0)
                return rc;
        }
    }
    return emit(s, p, (size_t)(q - p));
}

/* The contents of the <style> or <script> just opened, at p: htmlParseScript() reports everything
 * up to "</" and the element's name as text (CDATA), which counts when a <p> is open. */
static int raw_text(struct scan *s, const unsigned char *p, const unsigned char **next)
{
    const unsigned char *end = s->end, *q = p;
    const char *name = top_is(s, TAG_STYLE) ? "style" : "script";
    size_t len = strlen(name);
    for (;;) {
        q = memchr(q, '<', (size_t)(end - q));
        if (q == NULL)
            return HTML_FAST_UNSURE;
        if ((size_t)(end - q) >= len + 2 && q[1] == '/' && ascii_caseeq(q + 2, name, len)) {
            if ((size_t)(end - q) < len + 3 || memcmp(q + 2, name, len) != 0 || q[len + 2] != '>')
                return HTML_FAST_UNSURE;
            break;
        }
        q++;
    }
    /* htmlParseContentInternal() looks for tags before it gets to the contents */
    if (q > p && *p == '<')
        return HTML_FAST_UNSURE;
    *next = q;
    return emit(s, p, (size_t)(q - p));
}

static int scan_document(struct scan *s, const unsigned char *p)
{
    const unsigned char *end = s->end;
    /* htmlParseDocument(): blanks, comments and a DOCTYPE before the content */
    p = skip_misc(skip_blanks(p, end), end);
    if (p == NULL || starts_doctype(p, end))
        return HTML_FAST_UNSURE;
    p = skip_misc(skip_blanks(p, end), end);
    if (p == NULL)
        return HTML_FAST_UNSURE;

    int raw = 0, rc = 0;
    while (p < end && rc == 0) {
        const unsigned char *next = p;
        if (raw) {
            raw = 0;
            rc = raw_text(s, p, &next);
        } else if (*p == '<') {
            unsigned c = end - p >= 2 ? p[1] : 0;
            if (c == '/') {
                rc = end_tag(s, p, &next);
            } else if (is_letter(c)) {
                rc = start_tag(s, p, &next, &raw);
            } else if (c == '!' && starts_comment(p, end)) {
                next = comment_end(p, end);
                if (next == NULL)
                    rc = HTML_FAST_UNSURE;
            } else if (c == '?' || starts_doctype(p, end)) {
                rc = HTML_FAST_UNSURE;
            } else {
                next = p + 1; /* '<' starting nothing is text, reported without implying <p> */
                rc = emit(s, p, 1);
            }
        } else if (*p == '&') {
            rc = reference(s, p, &next);
        } else {
            rc = text(s, p, &next);
        }
        p = next;
    }
    /* htmlAutoCloseOnEnd() closes what is open: no text. */
    return rc;
}

int html_fast_extract(const char *html, size_t len, struct wc_buf *out)
{
    const unsigned char *p = (const unsigned char *)html;
    if (!input_is_plain(p, p + len))
        return HTML_FAST_UNSURE;
    size_t mark = out->len;
    /* The text is rarely longer than the HTML: one reservation is nearly always all. */
    if (wc_buf_reserve(out, len + 64) != 0)
        return WC_ENOMEM;
    struct scan s;
    s.end = p + len;
    s.out = out;
    s.html_level = 1;
    s.in_p = 0;
    s.depth = 0;
    int rc = scan_document(&s, p);
    if (rc == HTML_FAST_UNSURE) {
        out->len = mark;
        out->data[mark] = '\0';
    }
    return rc;
}
