{
  "variables": { "tf_include%": "", "tf_lib%": "" },
  "targets": [{
    "target_name": "tf_graph",
    "sources": ["native/tf_graph.cc"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "<(tf_include)"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
    "cflags_cc": ["-std=c++17", "-fexceptions", "-O2"],
    "cflags_cc!": ["-fno-exceptions"],
    "libraries": ["-L<(tf_lib)", "-l:libtensorflow_cc.so.2", "-l:libtensorflow_framework.so.2", "-Wl,-rpath,<(tf_lib)"]
  }, {
    "target_name": "stderr_guard",
    "sources": ["native/stderr_guard.cc"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
    "cflags_cc": ["-std=c++17", "-fexceptions", "-O2"],
    "cflags_cc!": ["-fno-exceptions"]
  }]
}
