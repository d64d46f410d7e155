/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lockfile - one process at a time per resource, by an advisory lock
 *
 * barazad takes DATABASE.lock before it opens its database (SPEC §2: one
 * barazad per database).  The lock is flock(2) LOCK_EX on a file that
 * stays in place: the kernel drops it when the holder exits, also on
 * kill -9, so a stale lock cannot outlive its process and the file never
 * needs cleaning up (removing it would let a third process lock a new file
 * while a second still holds the old one).  The holder writes its process
 * id into the file, only to name it in the refusal of the next one.
 */
#ifndef BARAZA_LOCKFILE_H
#define BARAZA_LOCKFILE_H

/* lockfile_acquire - open (create, mode 0600) path and lock it without
 * waiting; on success write our pid into it.  Returns the open descriptor
 * (>= 0, close-on-exec: keep it open as long as the lock must hold), -2
 * when another process holds the lock (*holder: its pid as the file says,
 * or 0 when unknown), or -1 with errno set when the file cannot be used. */
int lockfile_acquire(const char *path, long *holder);

/* lockfile_release - empty the file and close *fd (sets it to -1); the
 * file stays.  Harmless on -1. */
void lockfile_release(int *fd);

#endif
