/*
 * svy.h - the umbrella header of libsvy: includes every public module and
 * defines the version.  Programs include this one header.
 */
#ifndef SVY_SVY_H
#define SVY_SVY_H

#define SVY_VERSION "0.1.0"

#include "svy/bind.h"
#include "svy/buf.h"
#include "svy/calibrate.h"
#include "svy/cells.h"
#include "svy/codebook.h"
#include "svy/csv.h"
#include "svy/describe.h"
#include "svy/design.h"
#include "svy/err.h"
#include "svy/foreign.h"
#include "svy/import.h"
#include "svy/io.h"
#include "svy/mem.h"
#include "svy/num.h"
#include "svy/qc.h"
#include "svy/rules.h"
#include "svy/survey.h"
#include "svy/tab.h"
#include "svy/table.h"
#include "svy/targets.h"
#include "svy/text.h"
#include "svy/variance.h"
#include "svy/weight.h"
#include "svy/wreport.h"
#include "svy/xlsx.h"

#endif
