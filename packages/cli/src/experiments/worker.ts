// A local worker process of `geoparam reproduce uci`: the app registers the backends, the
// experiments package runs the jobs (one tfjs engine per process).
import '../backends';
import { serveLocalWorker } from '@geoparam/experiments';

serveLocalWorker();
