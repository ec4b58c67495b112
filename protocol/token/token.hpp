// Umbrella header for protocol/token: kinds, policies, generation, storage hash, expiry decisions.
#pragma once

#include "protocol/token/expiry.hpp"
#include "protocol/token/generate.hpp"
#include "protocol/token/hash.hpp"
#include "protocol/token/kind.hpp"
#include "protocol/token/policy.hpp"
