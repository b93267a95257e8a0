# Turns the research portal's files into C arrays so lawqa serves them from
# its own binary.  Run as: cmake -DSRC_DIR=<service/web> -DOUT=<file.c> -P embed.cmake
set(assets
  "/|index.html|text/html"
  "/static/app.js|app.js|application/javascript"
  "/static/style.css|style.css|text/css")

set(body "/* Generated from service/web by embed.cmake; do not edit. */\n#include \"web.h\"\n\n")
set(table "const web_asset web_assets[] = {\n")
set(i 0)
foreach(a IN LISTS assets)
  string(REPLACE "|" ";" parts "${a}")
  list(GET parts 0 url)
  list(GET parts 1 name)
  list(GET parts 2 ctype)
  file(READ "${SRC_DIR}/${name}" hex HEX)
  string(LENGTH "${hex}" hexlen)
  math(EXPR len "${hexlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND body "static const unsigned char asset_${i}[${len}] = {${bytes}};\n")
  string(APPEND table "    {\"${url}\", \"${ctype}; charset=utf-8\", asset_${i}, ${len}},\n")
  math(EXPR i "${i} + 1")
endforeach()
string(APPEND table "};\nconst size_t web_n_assets = ${i};\n")
file(WRITE "${OUT}.tmp" "${body}\n${table}")
file(RENAME "${OUT}.tmp" "${OUT}")
