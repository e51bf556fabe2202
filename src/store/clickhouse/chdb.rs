//! ClickHouse in this process: chdb's C library (`libchdb.so`, ClickHouse
//! 26.x), loaded at run time from `RAPPORT_CHDB_LIB`, so that the store's SQL
//! is held to a current ClickHouse as well as to the 18.16 server.
//!
//! Seven functions of its C API are used. chdb keeps one session per process;
//! statements run one at a time.

use super::http::Failure;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::sync::Mutex;

type Connect = unsafe extern "C" fn(c_int, *mut *mut c_char) -> *mut *mut c_void;
type Query = unsafe extern "C" fn(*mut c_void, *const c_char, *const c_char) -> *mut c_void;
type Buffer = unsafe extern "C" fn(*mut c_void) -> *mut c_char;
type Length = unsafe extern "C" fn(*mut c_void) -> usize;
type ResultError = unsafe extern "C" fn(*mut c_void) -> *const c_char;
type Destroy = unsafe extern "C" fn(*mut c_void);
type Close = unsafe extern "C" fn(*mut *mut c_void);

/// The variable naming `libchdb.so`.
pub const LIBRARY_VARIABLE: &str = "RAPPORT_CHDB_LIB";

pub struct Chdb {
    // Never unloaded: chdb's own threads run until the process ends, and
    // unloading their code under them crashes the process at exit.
    _library: std::mem::ManuallyDrop<libloading::Library>,
    connection: Mutex<*mut *mut c_void>,
    query: Query,
    buffer: Buffer,
    length: Length,
    error: ResultError,
    destroy: Destroy,
    close: Close,
}

// The connection is only used under its mutex.
unsafe impl Send for Chdb {}
unsafe impl Sync for Chdb {}

impl Chdb {
    /// Loads the library and opens a session keeping its data in `path`.
    pub fn open(path: &str) -> Result<Chdb, Failure> {
        let file = std::env::var(LIBRARY_VARIABLE)
            .map_err(|_| Failure(format!("{LIBRARY_VARIABLE} must name chdb's libchdb.so")))?;
        std::fs::create_dir_all(path).map_err(|e| Failure(format!("cannot create {path}: {e}")))?;
        // SAFETY: the library is chdb's, whose C API these types describe.
        unsafe {
            let library = libloading::Library::new(&file).map_err(|e| Failure(format!("cannot load {file}: {e}")))?;
            let symbol = |name: &[u8]| -> Result<*const c_void, Failure> {
                library
                    .get::<*const c_void>(name)
                    .map(|s| *s)
                    .map_err(|e| Failure(format!("{file} lacks {}: {e}", String::from_utf8_lossy(name))))
            };
            let connect: Connect = std::mem::transmute(symbol(b"chdb_connect\0")?);
            let query: Query = std::mem::transmute(symbol(b"chdb_query\0")?);
            let buffer: Buffer = std::mem::transmute(symbol(b"chdb_result_buffer\0")?);
            let length: Length = std::mem::transmute(symbol(b"chdb_result_length\0")?);
            let error: ResultError = std::mem::transmute(symbol(b"chdb_result_error\0")?);
            let destroy: Destroy = std::mem::transmute(symbol(b"chdb_destroy_query_result\0")?);
            let close: Close = std::mem::transmute(symbol(b"chdb_close_conn\0")?);
            let args = [
                CString::new("clickhouse").unwrap_or_default(),
                CString::new(format!("--path={path}")).map_err(|_| Failure("a path without NUL".into()))?,
                CString::new(format!("--max_query_size={}", super::http::MAX_QUERY_BYTES)).unwrap_or_default(),
            ];
            let mut argv: Vec<*mut c_char> = args.iter().map(|a| a.as_ptr() as *mut c_char).collect();
            let connection = connect(argv.len() as c_int, argv.as_mut_ptr());
            if connection.is_null() || (*connection).is_null() {
                return Err(Failure(format!("chdb could not open a session in {path}")));
            }
            Ok(Chdb {
                _library: std::mem::ManuallyDrop::new(library),
                connection: Mutex::new(connection),
                query,
                buffer,
                length,
                error,
                destroy,
                close,
            })
        }
    }

    /// Runs one statement; its answer as `TabSeparated` text.
    pub fn run(&self, sql: &str) -> Result<String, Failure> {
        let sql = CString::new(sql).map_err(|_| Failure("a statement without NUL".into()))?;
        let format = c"TabSeparated";
        let connection = self.connection.lock().map_err(|_| Failure("chdb's session failed earlier".into()))?;
        // SAFETY: the session is open until drop; each result is destroyed once.
        unsafe {
            let result = (self.query)(**connection, sql.as_ptr(), format.as_ptr());
            if result.is_null() {
                return Err(Failure("chdb returned no result".into()));
            }
            let error = (self.error)(result);
            let outcome = if !error.is_null() {
                Err(Failure(CStr::from_ptr(error).to_string_lossy().lines().next().unwrap_or("").to_owned()))
            } else {
                let data = (self.buffer)(result);
                let len = (self.length)(result);
                let bytes = if data.is_null() { &[][..] } else { std::slice::from_raw_parts(data as *const u8, len) };
                Ok(String::from_utf8_lossy(bytes).into_owned())
            };
            (self.destroy)(result);
            outcome
        }
    }
}

impl Drop for Chdb {
    fn drop(&mut self) {
        if let Ok(connection) = self.connection.lock() {
            // SAFETY: opened in `open`, closed once here.
            unsafe { (self.close)(*connection) };
        }
    }
}
