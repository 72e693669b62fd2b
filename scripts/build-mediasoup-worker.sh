#!/bin/sh
# Builds the mediasoup worker offline, from the npm tarball, against Debian's own libraries.
# mediasoup's postinstall downloads a prebuilt worker (GitHub) or pip-installs meson (PyPI);
# neither is reachable here, so each download-based meson subproject is replaced by a shim
# that takes the system library through pkg-config.
#
# Usage: sh scripts/build-mediasoup-worker.sh MEDIASOUP_VERSION OUTPUT_PATH
# Needs (Debian): build-essential pkg-config meson ninja-build libssl-dev libuv1-dev
#                 libsrtp2-dev libusrsctp-dev libabsl-dev nlohmann-json3-dev
set -eu

MS_VERSION=$1
OUTPUT=$2
BUILD_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mediasoup-build.XXXXXX")
trap 'rm -rf "$BUILD_DIR"' EXIT

cd "$BUILD_DIR"
npm pack --silent "mediasoup@$MS_VERSION" >/dev/null
tar xzf "mediasoup-$MS_VERSION.tgz"
cd package/worker

# Debian bookworm ships meson 1.0.1; the worker's meson.build asks for a newer one but builds with it.
sed -i -E "s/meson_version: '>= [0-9.]+'/meson_version: '>= 0.60.0'/" meson.build

cd subprojects
rm -f ./*.wrap
for d in openssl nlohmann_json libuv libsrtp2 usrsctp abseil-cpp catch2 wingetopt; do
  mkdir -p "$d"
  printf 'typedef int mediasoup_shim_empty_tu;\n' > "$d/empty.c"
done

cat > openssl/meson.build <<'MESON'
project('openssl', 'c')
openssl_dep   = dependency('openssl', version: '>=3.0')
libcrypto_dep = dependency('libcrypto')
libssl_dep    = dependency('libssl')
libcrypto_lib = static_library('shim_libcrypto', 'empty.c')
libssl_lib    = static_library('shim_libssl', 'empty.c')
MESON

cat > nlohmann_json/meson.build <<'MESON'
project('nlohmann_json', 'c')
nlohmann_json_dep = dependency('nlohmann_json', version: '>=3.10')
MESON

cat > libuv/meson.build <<'MESON'
project('libuv', 'c')
libuv_dep = dependency('libuv', version: '>=1.44')
libuv     = static_library('shim_libuv', 'empty.c')
MESON
cat > libuv/meson_options.txt <<'MESON'
option('build_tests', type: 'boolean', value: false)
option('build_benchmarks', type: 'boolean', value: false)
MESON

# mediasoup includes <srtp.h>; Debian installs it as <srtp2/srtp.h>.
cat > libsrtp2/meson.build <<'MESON'
project('libsrtp2', 'c')
_srtp = dependency('libsrtp2', version: '>=2.4')
libsrtp2_dep = declare_dependency(
  dependencies: _srtp,
  compile_args: ['-I' + _srtp.get_variable(pkgconfig: 'includedir') + '/srtp2'],
)
libsrtp2 = static_library('shim_libsrtp2', 'empty.c')
MESON
cat > libsrtp2/meson_options.txt <<'MESON'
option('crypto-library', type: 'string', value: 'openssl')
option('crypto-library-kdf', type: 'string', value: 'disabled')
option('tests', type: 'string', value: 'disabled')
MESON

cat > usrsctp/meson.build <<'MESON'
project('usrsctp', 'c')
usrsctp_dep = dependency('usrsctp')
usrsctp     = static_library('shim_usrsctp', 'empty.c')
MESON
cat > usrsctp/meson_options.txt <<'MESON'
option('sctp_build_programs', type: 'boolean', value: false)
MESON

cat > abseil-cpp/meson.build <<'MESON'
project('abseil-cpp', 'c')
absl_container_dep = declare_dependency(dependencies: [
  dependency('absl_flat_hash_map'), dependency('absl_flat_hash_set'),
  dependency('absl_node_hash_map'), dependency('absl_node_hash_set'),
  dependency('absl_btree'), dependency('absl_inlined_vector'),
  dependency('absl_fixed_array'), dependency('absl_memory'),
])
absl_strings_dep = declare_dependency(dependencies: [
  dependency('absl_strings'), dependency('absl_str_format'),
])
absl_types_dep = declare_dependency(dependencies: [
  dependency('absl_optional'), dependency('absl_variant'),
  dependency('absl_span'), dependency('absl_any'),
])
absl_container_lib = static_library('shim_absl_container', 'empty.c')
MESON

# Catch2 only serves the worker's own test target, which is not built.
cat > catch2/meson.build <<'MESON'
project('catch2', 'c')
catch2_dep = dependency('catch2', required: false)
if not catch2_dep.found()
  catch2_dep = declare_dependency()
endif
MESON

cat > wingetopt/meson.build <<'MESON'
project('wingetopt', 'c')
wingetopt_dep = declare_dependency()
wingetopt_lib = static_library('shim_wingetopt', 'empty.c')
MESON
cd ..

# Same options as mediasoup's own Makefile 'Release' preset.
meson setup --buildtype release -Db_ndebug=true -Db_pie=true -Db_staticpic=true \
  --wrap-mode=nodownload out/build >/dev/null
ninja -C out/build -j"$(nproc)" mediasoup-worker

# Sanity check: without MEDIASOUP_VERSION in its environment the worker exits with code 41.
set +e
env -i out/build/mediasoup-worker >/dev/null 2>&1
rc=$?
set -e
if [ "$rc" != 41 ]; then
  echo "mediasoup-worker sanity check failed (exit $rc, expected 41)" >&2
  exit 1
fi
mkdir -p "$(dirname "$OUTPUT")"
install -m 0755 out/build/mediasoup-worker "$OUTPUT.tmp"
mv "$OUTPUT.tmp" "$OUTPUT"
echo "mediasoup-worker $MS_VERSION built: $OUTPUT"
