import * as path from 'path';

/**
 * The drift check the library ships (`assets/drift_check`), shared by the
 * monitoring layer (scheduled checks) and the pipeline layer (the baseline
 * step). Resolved from `src/private` or `lib/private`.
 */
export const DRIFT_CHECK_ASSET = path.join(__dirname, '..', '..', 'assets', 'drift_check');

/**
 * The container command: run the `driftcheck` package straight from the
 * asset zip SageMaker downloaded to `/opt/ml/processing/input/code/` (Python
 * imports pure-Python packages from a zip), so the directory asset needs no
 * unpacking step and no Docker. SageMaker limits each entrypoint item to
 * 256 characters.
 */
export const LAUNCHER = "import glob,runpy,sys;sys.path.insert(0,sorted(glob.glob('/opt/ml/processing/input/code/*.zip'))[0]);runpy.run_module('driftcheck',run_name='__main__',alter_sys=True)";

/** Where the processing job finds the drift check's code. */
export const DRIFT_CHECK_CODE_PATH = '/opt/ml/processing/input/code';
