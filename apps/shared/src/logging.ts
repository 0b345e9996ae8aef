import { ConsoleLogger, Logger, LogLevel as NestLogLevel } from '@nestjs/common';
import { LogLevel } from '../../../infra/config';

const LEVELS: Record<LogLevel, NestLogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/** One console logger for the process, at the configured level; Nest and `new Logger(ctx)` both use it. */
export function installLogger(level: LogLevel): ConsoleLogger {
  const logger = new ConsoleLogger('strata', { logLevels: LEVELS[level] });
  Logger.overrideLogger(logger);
  return logger;
}

/** The small logging interface infra adapters accept. */
export function infraLog(context: string): { info(m: string): void; warn(m: string): void; debug(m: string): void } {
  const logger = new Logger(context);
  return { info: (m) => logger.log(m), warn: (m) => logger.warn(m), debug: (m) => logger.debug(m) };
}
