/**
 * Descriptions state the limits the services enforce, built from the same constants, so that the published
 * schema cannot promise one figure while the code checks another.
 */

/** A count as descriptions write it: `10,000`. */
export const count = (n: number): string => n.toLocaleString('en-US');

/** A size in bytes as descriptions write it: `64 KiB`. */
export const kib = (bytes: number): string => `${count(bytes / 1024)} KiB`;
