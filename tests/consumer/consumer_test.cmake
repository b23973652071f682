# Installs the runtime component of BUILD_DIR into a fresh prefix under WORK_DIR, then builds
# and runs tests/consumer/project against it, once with CMake (find_package(slkv)) and once
# with pkg-config. Run by ctest: cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -P this.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()

set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --component runtime --prefix ${prefix})
set(plan ${SOURCE_DIR}/tests/runtime/golden/sample_plan.json)

if(MODE STREQUAL "cmake")
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer/project -B ${WORK_DIR}/build
      -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
  run(${WORK_DIR}/build/consumer ${plan})
else()
  find_program(PKG_CONFIG pkg-config REQUIRED)
  find_program(CC NAMES cc gcc clang REQUIRED)
  file(GLOB pc_dirs ${prefix}/lib*/pkgconfig)
  set(ENV{PKG_CONFIG_PATH} "${pc_dirs}")
  execute_process(COMMAND ${PKG_CONFIG} --cflags --libs slkv OUTPUT_VARIABLE flags
                  RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pkg-config does not find slkv in ${pc_dirs}")
  endif()
  separate_arguments(flags UNIX_COMMAND "${flags}")
  file(GLOB lib_dirs LIST_DIRECTORIES true ${prefix}/lib*)
  list(FILTER lib_dirs INCLUDE REGEX "/lib[^/]*$")
  run(${CC} -std=c11 -Wall -Werror ${SOURCE_DIR}/tests/consumer/project/main.c ${flags}
      -o ${WORK_DIR}/consumer_pc)
  set(ENV{LD_LIBRARY_PATH} "${lib_dirs}")
  run(${WORK_DIR}/consumer_pc ${plan})
endif()
